/**
 * The statements of one transaction, in order. Where the connection accepts several
 * statements in one query (MySQL/MariaDB with `multipleStatements`), statements are held until
 * {@link StatementPipeline.flush} or {@link StatementPipeline.finish} and then travel together
 * as one query — one round trip for all of them. The server runs them in order and stops at
 * the first failure; every statement of that query then fails with it. Elsewhere each
 * statement starts when the one before it has succeeded (pg deprecates sending a query while
 * another runs on the same client), and after a failure the rest fail with it unstarted, so
 * callers can use one code path for every engine.
 */
import type { Knex } from 'knex';

/** A statement not yet started: a query builder or a raw query of the transaction. */
export type Statement = Knex.QueryBuilder | Knex.Raw;

interface Held {
  sql: string;
  bindings: readonly unknown[];
  resolve(result: unknown): void;
  reject(err: unknown): void;
}

/** An ordered pipeline of statements on one transaction. */
export class StatementPipeline {
  private previous: Promise<void> = Promise.resolve();
  private readonly pending: Promise<unknown>[] = [];
  private held: Held[] = [];

  /**
   * @param mergeOn With a transaction whose connection accepts several statements per query
   *   (`DialectWrites.multiStatement`), statements are merged into one query on it at
   *   {@link flush}. Default: none (each statement is its own query, one after another).
   */
  constructor(private readonly mergeOn?: Knex.Transaction) {}

  /**
   * Queues `statement` behind the ones sent before it; resolves with its result (merged: the
   * driver's own result of that statement, e.g. MySQL's `{ insertId, affectedRows }`). Its
   * failure also fails {@link finish}, so a caller may ignore the returned promise.
   */
  send<T = unknown>(statement: Statement): Promise<T> {
    const result = this.mergeOn ? this.hold<T>(statement) : this.chain<T>(statement);
    this.pending.push(result);
    result.catch(() => undefined);
    return result;
  }

  /** Sends what is held (merged mode) and waits for every statement sent so far; rejects with the first failure. */
  async flush(): Promise<void> {
    await this.sendHeld();
    await Promise.all(this.pending);
  }

  /** Waits for every statement sent; rejects with the first failure. */
  finish(): Promise<void> {
    return this.flush();
  }

  private chain<T>(statement: Statement): Promise<T> {
    // After a failure the statements behind it never start (as in a merged query), so the
    // transaction's rollback never meets a statement still running.
    const run = this.previous.then(() => Promise.resolve(statement as unknown as PromiseLike<T>));
    this.previous = run.then(() => undefined);
    this.previous.catch(() => undefined); // handled by whoever awaits the statements
    return run;
  }

  private hold<T>(statement: Statement): Promise<T> {
    const { sql, bindings } = statement.toSQL().toNative();
    return new Promise<T>((resolve, reject) => this.held.push({ sql, bindings, resolve: resolve as (r: unknown) => void, reject }));
  }

  private async sendHeld(): Promise<void> {
    const held = this.held;
    if (held.length === 0 || !this.mergeOn) return;
    this.held = [];
    try {
      const sql = held.map((h) => h.sql).join(';\n');
      const [results] = (await this.mergeOn.raw(sql, held.flatMap((h) => h.bindings) as Knex.RawBinding[])) as [unknown, unknown];
      // One statement answers with its result, several with the list of their results.
      held.forEach((h, i) => h.resolve(held.length === 1 ? results : (results as unknown[])[i]));
    } catch (err) {
      for (const h of held) h.reject(err);
    }
  }
}
