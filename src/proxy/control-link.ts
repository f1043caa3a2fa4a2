/**
 * The proxy's link to the control database: follows the splits (route watcher), writes the
 * metric snapshots, and applies manual split changes there.
 */
import { openControl } from '../control/control-db.js';
import type { StoredDualWriteMode } from '../control/dual-write-modes.js';
import { setSplits, type RouteTarget } from '../control/routes.js';
import type { DualWriteGate } from './dual-write-gate.js';
import type { Logger } from '../observability/logger.js';
import type { ProxyConfig } from './config.js';
import { createRouteWatcher, type RouteWatcher } from './route-watcher.js';
import { createSnapshotWriter, type SnapshotAggregator, type SnapshotWriter } from './snapshots.js';
import type { SplitTable } from './split-table.js';

/** A running link. */
export interface ControlLink {
  /** True while the PostgreSQL LISTEN connection is up. */
  readonly listening: boolean;
  /** Writes a split (one version, one audit event) and applies it here at once. */
  setSplit(target: RouteTarget, splitBp: number, reason: string): Promise<number>;
  /** Stops following, writes the last snapshot, closes the database. */
  close(): Promise<void>;
}

/** Opens the control database, loads the splits (throws when unreachable) and starts following them. */
export async function startControlLink(config: ProxyConfig, splits: SplitTable, aggregator: SnapshotAggregator, onChanged: () => void, logger: Logger, dualWrite?: DualWriteGate): Promise<ControlLink> {
  const control = await openControl(config.control.url!);
  let watcher: RouteWatcher | undefined;
  let snapshots: SnapshotWriter | undefined;
  const close = async (): Promise<void> => {
    await watcher?.stop();
    await snapshots?.stop();
    await control.close();
  };
  try {
    watcher = createRouteWatcher({
      control,
      migration: config.migration,
      pollIntervalMs: config.control.pollIntervalMs,
      listen: config.control.listen,
      logger,
      onRoutes(routes, version) {
        const changed = splits.applyRoutes(routes, version);
        logger.info({ version, routes: routes.map((r) => `${r.target}=${r.splitBp}`) }, changed ? 'splits changed' : 'splits loaded');
        if (changed) onChanged();
      },
      ...(dualWrite
        ? {
            onDualWriteModes(modes: StoredDualWriteMode[]) {
              if (dualWrite.apply(modes)) logger.info({ modes: modes.map((m) => `${m.table}=${m.mode}`) }, 'dual-write modes changed');
            },
          }
        : {}),
    });
    await watcher.start();
    snapshots = createSnapshotWriter({ db: control.knex, migration: config.migration, proxyId: config.proxyId, intervalMs: config.control.snapshotIntervalMs, aggregator, logger });
    snapshots.start();
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  const w = watcher;
  return {
    get listening() {
      return w.listening;
    },
    async setSplit(target, splitBp, reason) {
      const version = await setSplits(control.knex, [{ migration: config.migration, target, splitBp, actor: `proxy:${config.proxyId}`, reason }]);
      await w.refresh();
      return version;
    },
    close,
  };
}
