import { describe, expect, it } from 'vitest';
import { canonBinary, canonBoolean, canonDate, canonDecimal, canonFloat, canonInteger, canonString, canonTime, canonTimestamp, canonUuid, hashHead64 } from '../../../src/store/canonical-values.js';

describe('canonical values computed in Node (SQLite functions)', () => {
  it('integers and booleans', () => {
    expect(canonInteger(9007199254740993n)).toBe('9007199254740993');
    expect(canonInteger(' 42 ')).toBe('42');
    expect(canonBoolean(2)).toBe('1');
    expect(canonBoolean(0n)).toBe('0');
    expect(canonBoolean('true')).toBe('1');
    expect(canonBoolean(null)).toBeNull();
  });

  it('decimals at a scale, rounded half away from zero', () => {
    expect(canonDecimal(1.005, 2)).toBe('1.01');
    expect(canonDecimal('-1.005', 2)).toBe('-1.01');
    expect(canonDecimal('-0.004', 2)).toBe('0.00');
    expect(canonDecimal('12.5', 0)).toBe('13');
    expect(canonDecimal('99.999', 2)).toBe('100.00');
    expect(canonDecimal(40.4, 2)).toBe('40.40');
    expect(canonDecimal('1.2300', null)).toBe('1.23');
  });

  it('floats as significant digits, half to even', () => {
    expect(canonFloat(0, 15)).toBe('0');
    expect(canonFloat(1 / 3, 15)).toBe('333333333333333e-15');
    expect(canonFloat(-2.5, 1)).toBe('-2e0');
    expect(canonFloat(3.5, 1)).toBe('4e0');
    expect(canonFloat(Number.NaN, 15)).toBe('nan');
    expect(canonFloat(0.1 + 0.2, 15)).toBe(canonFloat(0.3, 15));
  });

  it('timestamps in UTC, truncated to the precision', () => {
    expect(canonTimestamp('2024-03-01 10:00:20.123456', 3)).toBe('2024-03-01 10:00:20.123');
    expect(canonTimestamp('2024-03-01T10:00:20.1239Z', 3)).toBe('2024-03-01 10:00:20.123');
    expect(canonTimestamp('2024-03-01 12:00:00+02:00', 0)).toBe('2024-03-01 10:00:00');
    expect(canonTimestamp('2024-03-01 10:00:20', 6)).toBe('2024-03-01 10:00:20');
    expect(canonTimestamp('2024-03-01 10:00:20.120', 3)).toBe('2024-03-01 10:00:20.12');
    expect(canonTimestamp(Date.UTC(2024, 2, 1, 10, 0, 20, 5), 3)).toBe('2024-03-01 10:00:20.005');
  });

  it('dates, times, strings, UUIDs, binary', () => {
    expect(canonDate('2024-04-05')).toBe('2024-04-05');
    expect(canonTime('10:11:12.987654', 3)).toBe('10:11:12.987');
    expect(canonTime('10:11:12', 2)).toBe('10:11:12');
    expect(canonString('ab  ', true)).toBe('ab');
    expect(canonString('ab  ', false)).toBe('ab  ');
    expect(canonString('', false)).toBe('');
    expect(canonUuid('123E4567-E89B-12D3-A456-426614174000', 'dashed')).toBe('123e4567-e89b-12d3-a456-426614174000');
    expect(canonUuid(Buffer.from('123e4567e89b12d3a456426614174000', 'hex'), 'hex')).toBe('123e4567e89b12d3a456426614174000');
    expect(canonBinary(Buffer.from([0, 255]))).toBe('00ff');
  });

  it('row hash: first 64 bits of SHA-256, as MySQL and PostgreSQL take them', () => {
    // sha256('abc') = ba7816bf8f01cfea414140de5dae2223...
    expect(hashHead64('abc')).toBe(0xba7816bf8f01cfean);
  });
});
