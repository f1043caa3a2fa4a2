import { describe, expect, it } from 'vitest';
import { intLiteral, keyEqualsSql, lexCompare, type KeyColumnSql } from '../../../src/store/canonical.js';

const intCol = (name: string): KeyColumnSql => ({ sql: name, column: { name, nativeType: 'int', family: 'integer', nullable: false }, spec: { t: 'integer' } });
const strCol = (name: string): KeyColumnSql => ({ sql: name, column: { name, nativeType: 'varchar', family: 'string', nullable: false }, spec: { t: 'string', rtrim: false } });

describe('key range SQL', () => {
  it('inlines integer bounds (exact, index-friendly) and binds the rest', () => {
    expect(lexCompare([intCol('id')], ['42'], '>', true)).toEqual({ sql: 'id > 42', bindings: [] });
    expect(lexCompare([strCol('code')], ["o'hara"], '<=', true)).toEqual({ sql: 'code <= ?', bindings: ["o'hara"] });
  });

  it('writes composite bounds as row values or the expanded form', () => {
    expect(lexCompare([intCol('a'), strCol('b')], ['1', 'x'], '>', true)).toEqual({ sql: '(a, b) > (1, ?)', bindings: ['x'] });
    expect(lexCompare([intCol('a'), strCol('b')], ['1', 'x'], '>', false)).toEqual({ sql: '(a > 1 OR (a = 1 AND b > ?))', bindings: ['x'] });
    expect(lexCompare([intCol('a'), strCol('b')], ['1', 'x'], '<=', false)).toEqual({ sql: '(a < 1 OR (a = 1 AND b <= ?))', bindings: ['x'] });
  });

  it('never inlines anything but digits', () => {
    expect(() => intLiteral('1; DROP TABLE t')).toThrow();
  });

  it('matches a UUID kept as text in either case', () => {
    const u: KeyColumnSql = { sql: 'id', column: { name: 'id', nativeType: 'char(36)', family: 'string', nullable: false }, spec: { t: 'uuid', form: 'dashed' } };
    expect(keyEqualsSql([u], ['ab-cd'])).toEqual({ sql: '(id = ? OR id = ?)', bindings: ['ab-cd', 'AB-CD'] });
  });
});
