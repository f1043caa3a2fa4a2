import { describe, expect, it } from 'vitest';
import { DrainGate, pump } from '../../../src/rpc/pump.js';

const enc = (n: number): Uint8Array => new Uint8Array([n]);

describe('pump', () => {
  it('writes everything and reports completion', async () => {
    const written: number[] = [];
    const done = await pump([1, 2, 3], enc, { write: (b) => (written.push(b[0]!), true), gate: new DrainGate() });
    expect(done).toBe(true);
    expect(written).toEqual([1, 2, 3]);
  });

  it('pulls the next message only after a drain when write() said no', async () => {
    const gate = new DrainGate();
    let pulled = 0;
    function* source() {
      for (let i = 0; i < 3; i++) {
        pulled++;
        yield i;
      }
    }
    const p = pump(source(), enc, { write: () => false, gate });
    await new Promise((r) => setTimeout(r, 10));
    expect(pulled).toBe(1);
    gate.drain();
    await new Promise((r) => setTimeout(r, 10));
    expect(pulled).toBe(2);
    gate.close();
    expect(await p).toBe(false);
  });

  it('stops and returns the source when the call ends', async () => {
    const gate = new DrainGate();
    let finalized = false;
    async function* source() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finalized = true;
      }
    }
    let n = 0;
    const done = await pump(source(), enc, { write: () => (++n === 5 && gate.close(), true), gate });
    expect(done).toBe(false);
    await new Promise((r) => setTimeout(r, 0));
    expect(finalized).toBe(true);
  });

  it('rejects with the error the source throws', async () => {
    async function* source() {
      yield 1;
      throw new Error('source broke');
    }
    await expect(pump(source(), enc, { write: () => true, gate: new DrainGate() })).rejects.toThrow('source broke');
  });
});
