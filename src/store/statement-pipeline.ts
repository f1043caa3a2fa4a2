/**
 * Statements of one transaction sent back to back. The database drivers run the queries of a
 * connection one after another in the order they receive them (mysql2 and pg queue them), so
 * a statement can be handed to the driver as soon as the one before it has been — without
 * waiting for that one's answer and a turn of the event loop. The server still executes them
 * in order, so a later statement sees (and is ordered after) the locks and rows of the earlier
 * ones; only the client-side wait between them goes away.
 *
 * Where the connection accepts several statements in one query (MySQL/MariaDB with
 * `multipleStatements`), the pipeline goes further: statements are held until
 * {@link StatementPipeline.flush} or {@link StatementPipeline.finish} and then travel together
 * as one query — one round trip for all of them. The server runs them in order and stops at
 * the first failure; every statement of that query then fails with it.
 */
import type { EventEmitter } from 'node:events';
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
  private dispatched: Promise<void> = Promise.resolve();
  private readonly pending: Promise<unknown>[] = [];
  private held: Held[] = [];

  /**
   * @param mergeOn With a transaction whose connection accepts several statements per query
   *   (`DialectWrites.multiStatement`), statements are merged into one query on it at
   *   {@link flush}. Default: none (each statement is its own query, sent back to back).
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
    const before = this.dispatched;
    let reachedDriver!: () => void;
    this.dispatched = new Promise<void>((resolve) => (reachedDriver = resolve));
    return before.then(() => {
      // knex emits `query` synchronously right before it hands the query to the driver.
      (statement as unknown as EventEmitter).once('query', reachedDriver);
      const run = Promise.resolve(statement as unknown as PromiseLike<T>);
      run.then(reachedDriver, reachedDriver);
      return run;
    });
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
