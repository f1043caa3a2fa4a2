/**
 * Which captured writes the proxy mirrors, following the dual-write mode the controller sets
 * in the control database (`sy_dual_write_modes`; table `*` covers tables without a row of
 * their own). A write served by one upstream is mirrored to the other store only when the
 * mode writes to that store: in `legacy-only` only writes served by next reach legacy, in
 * `next-only` (retired legacy) only writes served by legacy reach next, in the dual modes
 * everything is mirrored. With no mode stored (or no control database) everything is
 * mirrored: losing a write is worse than an extra copy.
 */
import type { StoredDualWriteMode } from '../control/dual-write-modes.js';
import type { UpstreamName } from '../control/snapshots.js';
import { DUAL_WRITE_MODES, otherSide, writesTo, type DualWriteMode } from '../store/dual/modes.js';

/** The modes in force, updated from the control database. */
export class DualWriteGate {
  private modes = new Map<string, DualWriteMode>();
  private key = '';

  /** Replaces the modes; returns true when they changed. */
  apply(stored: StoredDualWriteMode[]): boolean {
    const key = JSON.stringify(stored.map((m) => [m.table, m.mode]));
    if (key === this.key) return false;
    this.key = key;
    this.modes = new Map(stored.filter((m) => (DUAL_WRITE_MODES as readonly string[]).includes(m.mode)).map((m) => [m.table, m.mode as DualWriteMode]));
    return true;
  }

  /** The mode for a logical table, if one is stored. */
  modeOf(table: string): DualWriteMode | undefined {
    return this.modes.get(table) ?? this.modes.get('*');
  }

  /** True when a write to `table` served by `from` is to be copied to the other store. */
  shouldMirror(table: string, from: UpstreamName): boolean {
    const mode = this.modeOf(table);
    return mode === undefined || writesTo(mode, otherSide(from));
  }
}
