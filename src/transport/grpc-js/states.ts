/**
 * Mapping grpc-js channel state changes onto the shared lifecycle diagram, which is stricter:
 * grpc-js may go `transient-failure → ready` (sticky failure until connected) or
 * `ready → connecting`; those pass through `connecting` / `idle`. Changes with no honest
 * path (`connecting → idle`) are skipped.
 */
import { canTransition, type ConnectionStateName } from '../lifecycle.js';

const STEPS: readonly ConnectionStateName[] = ['connecting', 'idle'];

/** The states to set, in order, to get from `from` to `to` (empty: stay). */
export function nextState(from: ConnectionStateName, to: ConnectionStateName): ConnectionStateName[] {
  if (from === to) return to === 'connecting' ? [to] : [];
  if (canTransition(from, to)) return [to];
  for (const step of STEPS) if (canTransition(from, step) && canTransition(step, to)) return [step, to];
  return [];
}
