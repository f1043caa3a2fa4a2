/**
 * Capture at run time: opens the two stores, starts a DualWriter (with its relay) over the
 * configured logical tables, and builds the capture taps on it.
 */
import { openStore } from '../store/connect.js';
import { createDualWriter } from '../store/dual/dual-writer.js';
import type { Logger } from '../observability/logger.js';
import type { CaptureConfig } from './capture-config.js';
import { createCapture, type Capture } from './capture.js';
import type { ProxyMethod } from './methods.js';

/** Capture with its stores and writer. */
export interface RunningCapture {
  capture: Capture;
  /** Outbox entries not yet applied, both stores. */
  outboxDepth(): Promise<number>;
  /** Outbox statistics per store. */
  outboxStats(): Promise<unknown>;
  /** Stops the relay and closes the stores (pending entries stay in the outboxes). */
  close(): Promise<void>;
}

/** Opens the stores and starts the writer; throws STORE_UNREACHABLE or PROXY_CONFIG_INVALID. */
export async function startCapture(
  config: CaptureConfig,
  methods: ReadonlyMap<string, ProxyMethod>,
  o: { migration: string; logger: Logger; onResult(method: string, result: 'enqueued' | 'failed'): void; shouldMirror?(table: string, from: 'legacy' | 'next'): boolean },
): Promise<RunningCapture> {
  const legacy = await openStore(config.legacyStore!, { label: 'legacy' });
  const next = await openStore(config.nextStore!, { label: 'next' }).catch(async (err: unknown) => {
    await legacy.close();
    throw err;
  });
  try {
    const writer = await createDualWriter({
      legacy,
      next,
      tables: Object.entries(config.tables).map(([name, t]) => ({ name, ...t })),
      relay: true,
      namespace: config.namespace ?? o.migration,
      logger: o.logger,
    });
    const capture = createCapture({ methods, writer, onResult: o.onResult, logger: o.logger, ...(o.shouldMirror ? { shouldMirror: o.shouldMirror } : {}) });
    const stats = () => writer.outboxStats();
    return {
      capture,
      outboxStats: stats,
      async outboxDepth() {
        const s = await stats();
        return s.legacy.depth + s.next.depth;
      },
      async close() {
        await writer.close();
        await Promise.all([legacy.close(), next.close()]);
      },
    };
  } catch (err) {
    await Promise.all([legacy.close(), next.close()]);
    throw err;
  }
}
