import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileConverter, splitDecimal } from '../../../src/store/convert.js';
import type { ColumnInfo } from '../../../src/store/introspect.js';
import { NotRepresentable } from '../../../src/store/neutral.js';

const col = (c: Partial<ColumnInfo> & Pick<ColumnInfo, 'family'>): ColumnInfo => ({ name: 'v', nativeType: c.family, nullable: true, ...c });

function refuses(src: ColumnInfo, tgt: ColumnInfo, value: Parameters<ReturnType<typeof compileConverter>>[0], reason: RegExp): void {
  const convert = compileConverter(src, tgt);
  let caught: unknown;
  try {
    convert(value);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(NotRepresentable);
  expect((caught as NotRepresentable).column).toBe('v');
  expect((caught as NotRepresentable).reason).toMatch(reason);
}

describe('compileConverter', () => {
  it('checks integer ranges by width and signedness', () => {
    const u64 = col({ family: 'integer', intBytes: 8, unsigned: true });
    const i64 = col({ family: 'integer', intBytes: 8 });
    const i32 = col({ family: 'integer', intBytes: 4 });
    expect(compileConverter(u64, u64)(18446744073709551615n)).toBe(18446744073709551615n);
    refuses(u64, i64, 9223372036854775808n, /out of range/);
    expect(compileConverter(i64, i32)(-2147483648n)).toBe(-2147483648n);
    refuses(i64, i32, 2147483648n, /out of range for/);
    refuses(i64, col({ family: 'integer', intBytes: 8, unsigned: true }), -1n, /out of range/);
  });

  it('keeps decimal scale and refuses to round', () => {
    const d = col({ family: 'decimal', precision: 12, scale: 2, nativeType: 'decimal(12,2)' });
    const src = col({ family: 'decimal', precision: 12, scale: 4 });
    expect(compileConverter(src, d)('1.2500')).toBe('1.25');
    expect(compileConverter(src, d)('-0.0100')).toBe('-0.01');
    refuses(src, d, '1.2345', /4 decimal places.*keeps 2/);
    refuses(src, d, '12345678901.5', /11 integer digits; decimal\(12,2\) allows 10/);
    expect(compileConverter(col({ family: 'integer' }), d)(9999999999n)).toBe('9999999999');
  });

  it('maps 0/1 to booleans and refuses other integers', () => {
    const b = col({ family: 'boolean' });
    const tiny = col({ family: 'integer', intBytes: 1 });
    expect(compileConverter(tiny, b)(1n)).toBe(true);
    expect(compileConverter(tiny, b)(0n)).toBe(false);
    refuses(tiny, b, 2n, /not a boolean/);
  });

  it('checks text length in characters (not UTF-16 units) and allows 4-byte characters', () => {
    const s4 = col({ family: 'string', maxLength: 4, nativeType: 'varchar(4)' });
    const text = col({ family: 'string' });
    expect(compileConverter(text, s4)('😀😀😀😀')).toBe('😀😀😀😀');
    refuses(text, s4, '😀😀😀😀x', /5 characters.*at most 4/);
  });

  it('refuses fractional seconds the target would round, accepts trailing zeros', () => {
    const dt3 = col({ family: 'datetime', fractionalDigits: 3, nativeType: 'datetime(3)' });
    const dt6 = col({ family: 'datetime', fractionalDigits: 6 });
    expect(compileConverter(dt6, dt3)('2024-01-01 00:00:00.123000')).toBe('2024-01-01 00:00:00.123');
    refuses(dt6, dt3, '2024-01-01 00:00:00.123456', /6 fractional-second digits.*keeps 3/);
    expect(compileConverter(col({ family: 'timestamptz', fractionalDigits: 6 }), dt6)('2024-01-01 00:00:00.5')).toBe('2024-01-01 00:00:00.5');
  });

  it('validates JSON, UUID and binary length, and refuses NULL into NOT NULL', () => {
    refuses(col({ family: 'string' }), col({ family: 'json' }), '{nope', /not valid JSON/);
    expect(compileConverter(col({ family: 'string' }), col({ family: 'uuid' }))('123E4567E89B12D3A456426614174000')).toBe('123e4567-e89b-12d3-a456-426614174000');
    refuses(col({ family: 'binary' }), col({ family: 'binary', maxLength: 2 }), Buffer.from([1, 2, 3]), /3 bytes/);
    refuses(col({ family: 'string' }), col({ family: 'string', nullable: false }), null, /NULL/);
  });

  it('refuses incompatible families when compiling', () => {
    expect(() => compileConverter(col({ family: 'json' }), col({ family: 'integer' }))).toThrow(NotRepresentable);
    expect(() => compileConverter(col({ family: 'datetime' }), col({ family: 'date' }))).toThrow(/cannot be copied/);
  });

  it('converts any integer exactly to a wide enough decimal and back (property)', () => {
    const dec = col({ family: 'decimal', precision: 20, scale: 0 });
    const i64 = col({ family: 'integer', intBytes: 8 });
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => {
        const text = compileConverter(i64, dec)(n);
        expect(compileConverter(dec, i64)(text)).toBe(n);
      }),
    );
  });
});

describe('splitDecimal', () => {
  it('normalises sign, leading and trailing zeros, and exponents', () => {
    expect(splitDecimal('-0012.3400')).toEqual({ neg: true, int: '12', frac: '34' });
    expect(splitDecimal('-0.000')).toEqual({ neg: false, int: '', frac: '' });
    expect(splitDecimal('1.5e3')).toEqual({ neg: false, int: '1500', frac: '' });
    expect(splitDecimal('12e-3')).toEqual({ neg: false, int: '', frac: '012' });
    expect(splitDecimal('abc')).toBeUndefined();
  });
});
