/**
 * Work on one pooled connection with a deadline. When the deadline passes the connection is
 * torn down (its socket destroyed and the pool told to discard it), so a statement stuck on a
 * server that stopped answering can never complete later: the server rolls the transaction back.
 */
import type { Knex } from 'knex';

/** Thrown when the deadline passes. */
export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
  readonly code = 'SY_DEADLINE';
}

interface DisposableConnection {
  __knex__disposed?: unknown;
  destroy?: () => void;
  connection?: { stream?: { destroy?: (err?: Error) => void } };
  stream?: { destroy?: (err?: Error) => void };
}

function tearDown(conn: DisposableConnection): void {
  conn.__knex__disposed = 'deadline exceeded';
  const error = Object.assign(new Error('connection torn down: deadline exceeded'), { code: 'SY_DEADLINE' });
  try {
    // Destroying the socket with an error fails the pending query (pg: .connection.stream, mysql2: .stream).
    if (conn.connection?.stream?.destroy) conn.connection.stream.destroy(error);
    else if (conn.stream?.destroy) conn.stream.destroy(error);
    else conn.destroy?.();
  } catch {
    // already closed
  }
}

/** Runs `fn` in a transaction on a dedicated connection that is torn down after `timeoutMs`. */
export async function transactionWithDeadline<T>(knex: Knex, timeoutMs: number, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let conn: DisposableConnection | undefined;
  let expired = false;
  let released = false;
  const release = async (): Promise<void> => {
    if (released || !conn) return;
    released = true;
    await knex.client.releaseConnection(conn);
  };
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      expired = true;
      if (conn) {
        tearDown(conn);
        // Back to the pool at once (it discards a disposed connection), so closing the pool never waits on it.
        release().catch(() => undefined);
      }
      reject(new DeadlineExceeded(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const work = (async () => {
    conn = (await knex.client.acquireConnection()) as DisposableConnection;
    if (expired) {
      tearDown(conn);
      await release();
      throw new DeadlineExceeded('connection came after the deadline');
    }
    try {
      return await knex.transaction(fn, { connection: conn } as Knex.TransactionConfig);
    } finally {
      await release();
    }
  })();
  work.catch(() => undefined);
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
