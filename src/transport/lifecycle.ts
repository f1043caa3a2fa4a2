/**
 * Connection lifecycle: an explicit state machine shared by both client transports.
 *
 *     idle ─► connecting ─► ready ─► draining ─► closed
 *               ▲   │          │                   ▲
 *               │   ▼          ▼                   │
 *           transient-failure ◄┘ ───────────────────┘
 */
import { EventEmitter } from 'node:events';
import type { SwitchyardError } from '../errors.js';

/** Connection state as a tagged union. */
export type ConnectionState =
  | { t: 'idle' }
  | { t: 'connecting'; attempt: number }
  | { t: 'ready'; since: number }
  | { t: 'draining'; reason: string }
  | { t: 'transient-failure'; error: SwitchyardError; retryInMs: number; attempt: number }
  | { t: 'closed'; error?: SwitchyardError };

/** The state names. */
export type ConnectionStateName = ConnectionState['t'];

const ALLOWED: Record<ConnectionStateName, readonly ConnectionStateName[]> = {
  idle: ['connecting', 'closed'],
  connecting: ['ready', 'transient-failure', 'closed'],
  ready: ['draining', 'transient-failure', 'closed', 'idle'],
  // draining → connecting: a new connection for new calls while the old one drains.
  draining: ['closed', 'transient-failure', 'idle', 'connecting'],
  'transient-failure': ['connecting', 'closed'],
  closed: [],
};

/** True when the diagram allows going from `from` to `to`. */
export function canTransition(from: ConnectionStateName, to: ConnectionStateName): boolean {
  return ALLOWED[from].includes(to);
}

/** Events a caller can observe on a connection. */
export interface ConnectionEvents {
  on(event: 'state', listener: (state: ConnectionState, previous: ConnectionState) => void): this;
  once(event: 'state', listener: (state: ConnectionState, previous: ConnectionState) => void): this;
  off(event: 'state', listener: (state: ConnectionState, previous: ConnectionState) => void): this;
}

/** Holds the state, checks each transition and emits `state` events. */
export class Lifecycle extends EventEmitter implements ConnectionEvents {
  private current: ConnectionState = { t: 'idle' };

  /** The current state. */
  get state(): ConnectionState {
    return this.current;
  }

  /** Moves to a new state; throws on a transition the diagram does not allow. */
  setState(next: ConnectionState): void {
    const prev = this.current;
    if (prev.t === next.t && next.t !== 'connecting') return;
    if (prev.t !== next.t && !ALLOWED[prev.t].includes(next.t)) {
      throw new Error(`connection state cannot go from ${prev.t} to ${next.t}`);
    }
    this.current = next;
    this.emit('state', next, prev);
  }

  /** Resolves when the state becomes `ready`; rejects when it becomes `closed`. */
  waitReady(): Promise<void> {
    if (this.current.t === 'ready') return Promise.resolve();
    if (this.current.t === 'closed') return Promise.reject(this.current.error ?? new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const onState = (s: ConnectionState): void => {
        if (s.t === 'ready') {
          this.off('state', onState);
          resolve();
        } else if (s.t === 'closed') {
          this.off('state', onState);
          reject(s.error ?? new Error('connection closed'));
        }
      };
      this.on('state', onState);
    });
  }
}

/** Reconnect backoff settings. */
export interface BackoffOptions {
  /** First delay, ms. Default 100. */
  initialMs?: number;
  /** Largest delay, ms. Default 10_000. */
  maxMs?: number;
  /** Growth per attempt. Default 2. */
  multiplier?: number;
}

/** Defaults for {@link BackoffOptions}. */
export const DEFAULT_BACKOFF: Required<BackoffOptions> = Object.freeze({ initialMs: 100, maxMs: 10_000, multiplier: 2 });

/**
 * Exponential backoff with full jitter: a uniform random delay in
 * `[0, min(maxMs, initialMs * multiplier^attempt))`. `attempt` starts at 0.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const o = { ...DEFAULT_BACKOFF, ...options };
  const cap = Math.min(o.maxMs, o.initialMs * Math.pow(o.multiplier, attempt));
  return Math.floor(random() * cap);
}

/** Heartbeat settings, shared by both transports. */
export interface HeartbeatOptions {
  /** Interval between pings, ms. Default 10_000. 0 disables heartbeats. */
  intervalMs?: number;
  /** A peer that has not answered a ping within this long is dead, ms. Default 5_000. */
  timeoutMs?: number;
}

/** Defaults for {@link HeartbeatOptions}. */
export const DEFAULT_HEARTBEAT: Required<HeartbeatOptions> = Object.freeze({ intervalMs: 10_000, timeoutMs: 5_000 });
