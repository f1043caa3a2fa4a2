import { describe, expect, it } from 'vitest';
import { DualWriteGate } from '../../../src/proxy/dual-write-gate.js';

const mode = (table: string, m: string) => ({ table, mode: m, version: 1, actor: 'controller', updatedAtMs: 0 });

describe('DualWriteGate', () => {
  it('mirrors everything while no mode is stored', () => {
    const gate = new DualWriteGate();
    expect(gate.shouldMirror('t', 'legacy')).toBe(true);
    expect(gate.shouldMirror('t', 'next')).toBe(true);
  });

  it('copies a write to the other store only when the mode writes there', () => {
    const gate = new DualWriteGate();
    const cases: Array<[string, boolean, boolean]> = [
      // mode, legacy-served → next, next-served → legacy
      ['legacy-only', false, true],
      ['dual-legacy-primary', true, true],
      ['dual-next-primary', true, true],
      ['next-only', true, false],
    ];
    for (const [m, toNext, toLegacy] of cases) {
      expect(gate.apply([mode('*', m)])).toBe(true);
      expect([m, gate.shouldMirror('t', 'legacy'), gate.shouldMirror('t', 'next')]).toEqual([m, toNext, toLegacy]);
    }
  });

  it('prefers a table’s own mode over `*`, and reports whether anything changed', () => {
    const gate = new DualWriteGate();
    const modes = [mode('*', 'legacy-only'), mode('orders', 'next-only')];
    expect(gate.apply(modes)).toBe(true);
    expect(gate.apply(modes)).toBe(false);
    expect(gate.modeOf('orders')).toBe('next-only');
    expect(gate.modeOf('users')).toBe('legacy-only');
    expect(gate.shouldMirror('orders', 'next')).toBe(false);
    expect(gate.shouldMirror('users', 'legacy')).toBe(false);
  });
});
