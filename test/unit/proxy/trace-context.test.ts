import { describe, expect, it } from 'vitest';
import { childOf, formatTraceParent, parseTraceParent } from '../../../src/observability/trace-context.js';

describe('traceparent', () => {
  const v = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  it('parses, keeps trace id and flags on the next hop, with a new span id', () => {
    const p = parseTraceParent(v)!;
    expect(p).toEqual({ version: '00', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentId: '00f067aa0ba902b7', flags: '01' });
    const c = childOf(p);
    expect(c.traceId).toBe(p.traceId);
    expect(c.flags).toBe('01');
    expect(c.parentId).toMatch(/^[0-9a-f]{16}$/);
    expect(c.parentId).not.toBe(p.parentId);
    expect(formatTraceParent(c)).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
  });
  it('rejects malformed values', () => {
    for (const bad of ['', 'xx', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', `${v}-extra`]) {
      expect(parseTraceParent(bad)).toBeUndefined();
    }
    expect(parseTraceParent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future')).toBeDefined();
  });
});
