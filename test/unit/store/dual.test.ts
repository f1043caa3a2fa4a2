import { describe, expect, it } from 'vitest';
import { segments } from '../../../src/store/dual/apply.js';
import { decodePayload, encodePayload, type NeutralRow } from '../../../src/store/dual/payload.js';
import { encodeEntries } from '../../../src/store/dual/outbox.js';
import { primaryOf, secondaryOf } from '../../../src/store/dual/modes.js';
import { createThrottle } from '../../../src/store/backfill/throttle.js';

describe('outbox payloads', () => {
  it('round-trip bigints, buffers, strings, numbers, booleans and null', () => {
    const row = { a: 2n ** 64n - 1n, b: Buffer.from([0, 1, 255]), c: 'x\u0000y😀', d: 1.5, e: true, f: null };
    expect(decodePayload(encodePayload(row))).toEqual(row);
  });
  it('hold a batch of entries in write order in one outbox payload', () => {
    const rows: NeutralRow[] = [{ id: 1n, name: 'a"b\\c', blob: Buffer.from([7]) }, { id: 1n }];
    const text = encodeEntries([
      { table: 'users', keyJson: '[{"$n":"1"}]', op: 'upsert', rowJson: encodePayload(rows[0]!) },
      { table: 'users', keyJson: '[{"$n":"1"}]', op: 'delete', rowJson: encodePayload(rows[1]!) },
    ]);
    const parsed = JSON.parse(text) as Array<{ t: string; k: string; o: string; r: Record<string, unknown> }>;
    expect(parsed.map((e) => [e.t, e.k, e.o])).toEqual([
      ['users', '[{"$n":"1"}]', 'u'],
      ['users', '[{"$n":"1"}]', 'd'],
    ]);
    expect(parsed.map((e) => decodePayload(JSON.stringify(e.r)))).toEqual(rows);
  });
});

describe('relay segments', () => {
  it('cut a batch where a key repeats, keeping entry order', () => {
    const e = (key: string, id: number) => ({ table: 't', entry: { keyJson: key }, id });
    const out = segments([e('1', 1), e('2', 2), e('1', 3), e('3', 4), e('1', 5)]);
    expect(out.map((s) => s.map((x) => x.id))).toEqual([[1, 2], [3, 4], [5]]);
  });
});

describe('modes', () => {
  it('name the primary and secondary store', () => {
    expect([primaryOf('dual-legacy-primary'), secondaryOf('dual-legacy-primary')]).toEqual(['legacy', 'next']);
    expect([primaryOf('dual-next-primary'), secondaryOf('dual-next-primary')]).toEqual(['next', 'legacy']);
    expect(secondaryOf('next-only')).toBeUndefined();
  });
});

describe('backfill throttle', () => {
  it('caps rows per second and shrinks chunks while latency is above the bound', async () => {
    let t = 0;
    const slept: number[] = [];
    const th = createThrottle({ chunkSize: 1000, rateRowsPerSec: 500, maxLatencyMs: 100, now: () => t, sleep: async (ms) => void slept.push(ms) });
    expect(th.chunkSize).toBe(500);
    await th.beforeWrite(500);
    expect(slept).toEqual([1000]);
    expect(await th.afterWrite(250)).toBe(250);
    expect(th.chunkSize).toBe(250);
    expect(await th.afterWrite(20)).toBe(0);
    expect(th.chunkSize).toBe(375);
    t = 5000;
    expect(th.waitedMs).toBe(1250);
  });
});
