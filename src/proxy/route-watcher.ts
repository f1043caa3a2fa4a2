/**
 * Follows the splits in the control database: polls `routesVersion` (cheap) and reloads the
 * routes when it moves; on PostgreSQL it also LISTENs on the routes channel (a dedicated
 * `pg.Client`, reconnected with backoff) so a change lands within milliseconds. Polling
 * keeps running either way, so a lost notification only delays a change by one interval.
 */
import pg from 'pg';
import { getDualWriteModes, type StoredDualWriteMode } from '../control/dual-write-modes.js';
import { getRoutes, routesVersion, ROUTES_CHANNEL, type Route } from '../control/routes.js';
import type { Store } from '../store/connect.js';
import { backoffDelayMs } from '../transport/lifecycle.js';
import { silentLogger, type Logger } from '../observability/logger.js';

/** Options for {@link createRouteWatcher}. */
export interface RouteWatcherOptions {
  /** The control database. */
  control: Store;
  migration: string;
  /** Poll interval, ms. */
  pollIntervalMs: number;
  /** LISTEN for changes (PostgreSQL only; ignored elsewhere). Default true. */
  listen?: boolean;
  /** Receives the routes of the migration whenever the version changes. */
  onRoutes(routes: Route[], version: number): void;
  /** Receives the migration's dual-write modes at every poll (read only when given). */
  onDualWriteModes?(modes: StoredDualWriteMode[]): void;
  logger?: Logger;
}

/** A running watcher. */
export interface RouteWatcher {
  /** Loads the routes once (throws if the control DB is unreachable), then starts polling and listening. */
  start(): Promise<void>;
  /** Checks for a change now. */
  refresh(): Promise<void>;
  /** Stops polling and closes the LISTEN connection. */
  stop(): Promise<void>;
  /** True while the LISTEN connection is up. */
  readonly listening: boolean;
}

/** Creates a route watcher. */
export function createRouteWatcher(o: RouteWatcherOptions): RouteWatcher {
  const logger = o.logger ?? silentLogger;
  const db = o.control.knex;
  let version = -1;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let inFlight: Promise<void> | undefined;
  let again = false;
  let client: pg.Client | undefined;
  let listening = false;
  let reconnectTimer: NodeJS.Timeout | undefined;

  const check = async (): Promise<void> => {
    if (o.onDualWriteModes) o.onDualWriteModes(await getDualWriteModes(db, o.migration));
    const v = await routesVersion(db);
    if (v === version) return;
    const routes = await getRoutes(db, o.migration);
    version = v;
    o.onRoutes(routes, v);
  };
  // One check at a time; a request during one runs once more after it.
  const refresh = (): Promise<void> => {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    inFlight = check()
      .catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'control database poll failed; keeping the last known splits'))
      .finally(() => {
        inFlight = undefined;
        if (again && !stopped) {
          again = false;
          void refresh();
        }
      });
    return inFlight;
  };

  const connectListener = async (attempt: number): Promise<void> => {
    if (stopped) return;
    const c = o.control.url.connection;
    const pc = new pg.Client({ host: c.host, port: c.port, user: c.user, password: c.password, database: c.database, ssl: c.ssl ? { rejectUnauthorized: false } : undefined });
    let failed = false;
    const retry = (err: unknown): void => {
      if (failed) return;
      failed = true;
      listening = false;
      client = undefined;
      pc.removeAllListeners();
      pc.on('error', () => undefined);
      void pc.end().catch(() => undefined);
      if (stopped) return;
      const delay = backoffDelayMs(attempt, { initialMs: 250, maxMs: 10_000 });
      logger.warn({ err: (err as Error).message, retryInMs: delay }, 'LISTEN connection to the control database lost; polling continues');
      reconnectTimer = setTimeout(() => void connectListener(attempt + 1), delay);
      reconnectTimer.unref();
    };
    try {
      await pc.connect();
      pc.on('notification', () => void refresh());
      pc.on('error', retry);
      pc.on('end', () => !stopped && retry(new Error('connection ended')));
      await pc.query(`LISTEN ${ROUTES_CHANNEL}`);
      if (stopped) return void pc.end().catch(() => undefined);
      client = pc;
      listening = true;
      void refresh(); // a change between the last poll and LISTEN
    } catch (err) {
      retry(err);
    }
  };

  return {
    get listening() {
      return listening;
    },
    async start() {
      await check();
      timer = setInterval(() => void refresh(), o.pollIntervalMs);
      timer.unref();
      if ((o.listen ?? true) && o.control.url.engine === 'postgres') await connectListener(0);
    },
    refresh,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      if (reconnectTimer) clearTimeout(reconnectTimer);
      await inFlight;
      const c = client;
      client = undefined;
      listening = false;
      if (c) {
        c.removeAllListeners();
        c.on('error', () => undefined);
        await c.end().catch(() => undefined);
      }
    },
  };
}
