import { describe, expect, it } from 'vitest';
import { keyPairingProblem, pairColumns, type PairingContext } from '../../../src/reconcile/normalization.js';
import type { ColumnInfo } from '../../../src/store/introspect.js';

const ctx: PairingContext = { sameEngine: false, nativeJson: false, floatBits: { legacy: 64, next: 64 }, fixedWidth: false };
const col = (family: ColumnInfo['family'], extra: Partial<ColumnInfo> = {}): ColumnInfo => ({ name: 'c', nativeType: family, family, nullable: true, ...extra });

describe('column pairing', () => {
  it('compares date-times at the smaller precision, truncated', () => {
    const p = pairColumns(col('datetime', { fractionalDigits: 3 }), col('timestamptz', { fractionalDigits: 6 }), ctx);
    expect(p).toMatchObject({ spec: { t: 'timestamp', digits: 3 }, hashed: 'in-database' });
  });

  it('compares decimals at the smaller scale', () => {
    expect(pairColumns(col('decimal', { scale: 4 }), col('decimal', { scale: 2 }), ctx)).toMatchObject({ spec: { t: 'decimal', scale: 2 } });
    expect(pairColumns(col('decimal'), col('decimal'), ctx)).toMatchObject({ spec: { t: 'decimal', scale: null } });
    expect(pairColumns(col('integer'), col('decimal', { scale: 2 }), ctx)).toMatchObject({ spec: { t: 'decimal', scale: 0 } });
  });

  it('booleans against TINYINT-style integers, UUIDs against text and binary', () => {
    expect(pairColumns(col('boolean'), col('boolean'), ctx)).toMatchObject({ spec: { t: 'boolean' } });
    expect(pairColumns(col('boolean'), col('integer'), ctx)).toMatchObject({ spec: { t: 'integer' } });
    expect(pairColumns(col('string'), col('uuid'), ctx)).toMatchObject({ spec: { t: 'uuid', form: 'dashed' } });
    expect(pairColumns(col('binary'), col('uuid'), ctx)).toMatchObject({ spec: { t: 'uuid', form: 'hex' } });
  });

  it('hashes JSON in the database only where one engine can on both sides', () => {
    expect(pairColumns(col('json'), col('json'), ctx)).toMatchObject({ hashed: 'in-node' });
    expect(pairColumns(col('json'), col('json'), { ...ctx, sameEngine: true, nativeJson: true })).toMatchObject({ hashed: 'in-database' });
    expect(pairColumns(col('string'), col('json'), ctx)).toMatchObject({ hashed: 'in-node' });
  });

  it('floats: digits from precision, tolerance never finer than the hash resolves', () => {
    expect(pairColumns(col('float'), col('float'), ctx)).toMatchObject({ spec: { t: 'float', digits: 15 }, floatTolerance: 1e-14 });
    expect(pairColumns(col('float'), col('float'), { ...ctx, floatBits: { legacy: 32, next: 64 } })).toMatchObject({ spec: { t: 'float', digits: 6 }, floatTolerance: 1e-5 });
    expect(pairColumns(col('float'), col('float'), { ...ctx, floatBits: { legacy: 32, next: 64 }, floatTolerance: 1e-9 })).toMatchObject({ spec: { t: 'float', digits: 10 }, floatTolerance: 1e-9 });
  });

  it('trailing spaces are dropped only for fixed-width CHAR', () => {
    expect(pairColumns(col('string'), col('string'), ctx)).toMatchObject({ spec: { t: 'string', rtrim: false } });
    expect(pairColumns(col('string'), col('string'), { ...ctx, fixedWidth: true })).toMatchObject({ spec: { t: 'string', rtrim: true } });
  });

  it('refuses incompatible pairs with a reason', () => {
    expect(pairColumns(col('integer'), col('date'), ctx)).toEqual({ error: expect.stringContaining('integer column') });
    expect(pairColumns(col('other', { nativeType: 'inet' }), col('other', { nativeType: 'cidr' }), ctx)).toHaveProperty('error');
  });

  it('keys must render exactly', () => {
    const f = pairColumns(col('float'), col('float'), ctx);
    if ('error' in f) throw new Error('unexpected');
    expect(keyPairingProblem(col('float'), col('float'), f)).toMatch(/cannot be a reconcile key/);
    const t = pairColumns(col('datetime', { fractionalDigits: 3 }), col('datetime', { fractionalDigits: 6 }), ctx);
    if ('error' in t) throw new Error('unexpected');
    expect(keyPairingProblem(col('datetime', { fractionalDigits: 3 }), col('datetime', { fractionalDigits: 6 }), t)).toMatch(/same precision/);
  });
});
