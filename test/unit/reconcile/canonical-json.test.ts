import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalJsonNumber, canonicalJsonOrRaw, InvalidJson } from '../../../src/store/canonical-json.js';

describe('canonical JSON', () => {
  it('sorts keys and drops whitespace at every depth', () => {
    expect(canonicalJson('{ "b": 1, "a": { "z": [1, {"y": 2, "x": 3}], "c": null } }')).toBe('{"a":{"c":null,"z":[1,{"x":3,"y":2}]},"b":1}');
  });

  it('compares numbers as exact decimals', () => {
    expect(canonicalJsonNumber('2.50')).toBe(canonicalJsonNumber('2.5'));
    expect(canonicalJsonNumber('1000')).toBe(canonicalJsonNumber('1e3'));
    expect(canonicalJsonNumber('0.0')).toBe('0');
    expect(canonicalJsonNumber('-0')).toBe('0');
    expect(canonicalJsonNumber('2.51')).not.toBe(canonicalJsonNumber('2.5'));
    // beyond double precision: still distinct
    expect(canonicalJsonNumber('1.0000000000000001')).not.toBe(canonicalJsonNumber('1'));
  });

  it('keeps the last of duplicate keys, as jsonb does', () => {
    expect(canonicalJson('{"a":1,"a":2}')).toBe('{"a":2}');
  });

  it('re-escapes strings minimally', () => {
    expect(canonicalJson('"\\u0041\\/b"')).toBe('"A/b"');
  });

  it('rejects text that is not JSON, and the raw fallback still compares', () => {
    expect(() => canonicalJson('{"a":}')).toThrow(InvalidJson);
    expect(() => canonicalJson('[1] x')).toThrow(InvalidJson);
    expect(canonicalJsonOrRaw('nope')).toBe('invalid-json:nope');
  });

  it('is invariant under key order and formatting (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const compact = JSON.stringify(v);
        const pretty = JSON.stringify(v, null, 3);
        const c = canonicalJson(compact);
        expect(canonicalJson(pretty)).toBe(c);
        expect(canonicalJson(c)).toBe(c);
      }),
      { numRuns: 300 },
    );
  });
});
