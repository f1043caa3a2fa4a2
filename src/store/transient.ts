/** Classifies database errors: transient ones (retry later) versus permanent ones (the data is wrong). */

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN', 'ER_QUERY_INTERRUPTED',
  'SQLITE_BUSY', 'SQLITE_LOCKED', 'SY_DEADLINE',
  '40001', '40P01', '53300', '57P01', '57P02', '57P03', '57014', '08000', '08003', '08006', '08001', '08004',
]);

const TRANSIENT_TEXT = /connection (terminated|ended|lost|closed|refused|reset)|timeout acquiring a connection|knex: timeout|socket hang up|read ECONNRESET|not queryable|cannot enqueue|closed state|deadline|server has gone away/i;

/** True when an error is about reaching the database rather than about the data. */
export function isTransient(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
    if ((e as { name?: string }).name === 'KnexTimeoutError') return true;
    if (TRANSIENT_TEXT.test(String((e as { message?: unknown }).message ?? ''))) return true;
  }
  return false;
}
