import { describe, expect, it } from 'vitest';
import { mysqlWrites } from '../../../src/store/dialects/mysql/upsert.js';
import { postgresWrites } from '../../../src/store/dialects/postgres/upsert.js';
import { sqliteWrites } from '../../../src/store/dialects/sqlite/upsert.js';
import { copyText } from '../../../src/store/dialects/postgres/bulk-load.js';
import type { UpsertSpec } from '../../../src/store/write-dialect.js';

const spec = (guard: UpsertSpec['guard']): UpsertSpec => ({ table: 'msgs', columns: ['id', 'ver', 'body'], key: ['id'], guard });

describe('guarded upsert SQL', () => {
  it('MySQL assigns the version column last so the guard reads the old version', () => {
    const sql = mysqlWrites.upsertSql(spec({ t: 'version', column: 'ver', allowEqual: false }), 2);
    expect(sql).toBe(
      'INSERT INTO `msgs` (`id`, `ver`, `body`) VALUES (?, ?, ?), (?, ?, ?) ON DUPLICATE KEY UPDATE ' +
        '`body` = IF((`ver` IS NULL OR VALUES(`ver`) > `ver`), VALUES(`body`), `body`), `ver` = IF((`ver` IS NULL OR VALUES(`ver`) > `ver`), VALUES(`ver`), `ver`)',
    );
    expect(mysqlWrites.upsertSql(spec({ t: 'keep-target' }), 1)).toMatch(/ON DUPLICATE KEY UPDATE `id` = `id`$/);
  });

  it('PostgreSQL and SQLite use ON CONFLICT with a WHERE guard', () => {
    expect(postgresWrites.upsertSql(spec({ t: 'version', column: 'ver', allowEqual: true }), 1)).toBe(
      'INSERT INTO "msgs" AS t ("id", "ver", "body") VALUES (?, ?, ?) ON CONFLICT ("id") DO UPDATE SET "ver" = EXCLUDED."ver", "body" = EXCLUDED."body" WHERE t."ver" IS NULL OR EXCLUDED."ver" >= t."ver"',
    );
    expect(sqliteWrites.upsertSql(spec({ t: 'keep-target' }), 1)).toMatch(/ON CONFLICT \("id"\) DO NOTHING$/);
    expect(sqliteWrites.upsertSql(spec({ t: 'overwrite' }), 1)).toMatch(/DO UPDATE SET "ver" = EXCLUDED."ver", "body" = EXCLUDED."body"$/);
  });
});

describe('COPY text', () => {
  it('escapes backslash, tab, newline and CR; writes NULL, booleans and bytea', () => {
    expect(copyText('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyText(null)).toBe('\\N');
    expect(copyText(true)).toBe('t');
    expect(copyText(Buffer.from([0, 255]))).toBe('\\\\x00ff');
    expect(copyText(12n)).toBe('12');
  });
});
