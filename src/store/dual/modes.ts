/** Dual-write modes: which stores a write reaches and which one is the source of truth. */

/** A side of the migration. */
export type Side = 'legacy' | 'next';

/** The four modes, in migration order. */
export const DUAL_WRITE_MODES = ['legacy-only', 'dual-legacy-primary', 'dual-next-primary', 'next-only'] as const;

/**
 * - `legacy-only`: writes reach the legacy store only;
 * - `dual-legacy-primary`: legacy first (with an outbox entry in the same transaction), then next via the relay;
 * - `dual-next-primary`: the same with the roles swapped;
 * - `next-only`: writes reach the next store only.
 */
export type DualWriteMode = (typeof DUAL_WRITE_MODES)[number];

/** The store written synchronously in a mode. */
export function primaryOf(mode: DualWriteMode): Side {
  return mode === 'legacy-only' || mode === 'dual-legacy-primary' ? 'legacy' : 'next';
}

/** The store the relay writes in a mode, if any. */
export function secondaryOf(mode: DualWriteMode): Side | undefined {
  if (mode === 'dual-legacy-primary') return 'next';
  if (mode === 'dual-next-primary') return 'legacy';
  return undefined;
}

/** The other side. */
export function otherSide(side: Side): Side {
  return side === 'legacy' ? 'next' : 'legacy';
}

/** True when a mode writes to `side` at all (either store of a dual mode, or the single store). */
export function writesTo(mode: DualWriteMode, side: Side): boolean {
  return primaryOf(mode) === side || secondaryOf(mode) === side;
}
