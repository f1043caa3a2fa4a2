/**
 * PostgreSQL bulk load. `copy`: COPY the chunk straight into the table (fast, never
 * overwrites: a key that already exists fails the COPY, which rolls back) and on such a
 * conflict redo the chunk with `copy-staging`: COPY into a temporary table, then one guarded
 * `INSERT ... SELECT ... ON CONFLICT`. `insert`: multi-row guarded upserts.
 */
import type { Knex } from 'knex';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import copyStreams from 'pg-copy-streams';
import { upsertRows } from '../../bulk-upsert.js';
import type { BulkLoad, UpsertSpec } from '../../write-dialect.js';
import { postgresWrites, q, upsertFrom } from './upsert.js';

interface PgClient {
  query(stream: unknown): NodeJS.WritableStream;
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** Escapes one value for COPY's text format. */
export function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'string') return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : value;
  if (Buffer.isBuffer(value)) return '\\\\x' + value.toString('hex');
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return copyText(String(value));
}

/** COPY text for a chunk, yielded in pieces of about 1 MB. */
function* copyPieces(rows: readonly unknown[][]): Generator<string> {
  let buf = '';
  for (const row of rows) {
    let line = copyText(row[0]);
    for (let j = 1; j < row.length; j++) line += '\t' + copyText(row[j]);
    buf += line + '\n';
    if (buf.length > 1 << 20) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}

async function copyInto(trx: Knex.Transaction, table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void> {
  const conn = (await trx.client.acquireConnection()) as PgClient;
  const sql = `COPY ${q(table)} (${columns.map(q).join(', ')}) FROM STDIN`;
  await pipeline(Readable.from(copyPieces(rows)), conn.query(copyStreams.from(sql)));
}

async function viaStaging(knex: Knex, spec: UpsertSpec, rows: readonly unknown[][]): Promise<void> {
  await knex.transaction(async (trx) => {
    const cols = spec.columns.map(q).join(', ');
    await trx.raw(`CREATE TEMP TABLE sy_stage ON COMMIT DROP AS SELECT ${cols} FROM ${q(spec.table)} WITH NO DATA`);
    await copyInto(trx, 'sy_stage', spec.columns, rows);
    await trx.raw(upsertFrom(spec, `SELECT ${cols} FROM sy_stage`));
  });
}

/** Loads a chunk into PostgreSQL by the given method. */
export const postgresBulkLoad: BulkLoad = async (knex, spec, _columns, rows, method) => {
  if (method === 'insert') {
    await knex.transaction((trx) => upsertRows(trx, postgresWrites, spec, rows));
    return { method };
  }
  if (method === 'copy') {
    try {
      await knex.transaction((trx) => copyInto(trx, spec.table, spec.columns, rows));
      return { method: 'copy' };
    } catch (err) {
      if ((err as { code?: string }).code !== '23505') throw err;
    }
  }
  await viaStaging(knex, spec, rows);
  return { method: 'copy-staging' };
};
