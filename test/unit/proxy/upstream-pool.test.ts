import { describe, expect, it } from 'vitest';
import { createUpstreamPool } from '../../../src/proxy/upstream-pool.js';
import { okStatus } from '../../../src/transport/status.js';
import type { ServerCall } from '../../../src/transport/transport.js';
import { collect, MemoryChannel } from './memory-transport.js';

describe('upstream pool', () => {
  it('sends each call to the member with the fewest open calls', async () => {
    const open: ServerCall[] = [];
    const members: MemoryChannel[] = [];
    const pool = createUpstreamPool(3, () => {
      const m = new MemoryChannel((call) => {
        open.push(call);
        call.listen({ onMessage: () => undefined });
      });
      members.push(m);
      return m;
    });
    const calls = Array.from({ length: 6 }, () => {
      const c = pool.start({ path: '/a.B/C', kind: 'bidi' });
      return { c, r: collect(c) };
    });
    expect(members.map((m) => m.started)).toEqual([2, 2, 2]);
    await new Promise((r) => setTimeout(r, 5));
    // End the two calls of member 0 (the first and the fourth): the next calls go there.
    open[0]!.end(okStatus());
    open[3]!.end(okStatus());
    await calls[0]!.r.status;
    await calls[3]!.r.status;
    pool.start({ path: '/a.B/C', kind: 'bidi' });
    pool.start({ path: '/a.B/C', kind: 'bidi' });
    expect(members.map((m) => m.started)).toEqual([4, 2, 2]);
  });

  it('size 1 is the connection itself', () => {
    const m = new MemoryChannel(() => undefined);
    expect(createUpstreamPool(1, () => m)).toBe(m);
  });
});
