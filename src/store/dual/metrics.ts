/** prom-client metrics of dual writes and the outbox relay. */
import { Counter, Gauge, Registry } from 'prom-client';

/** The metrics a DualWriter and its relay update. */
export interface DualWriteMetrics {
  /** `switchyard_store_writes_total{table,side,path,result}`: writes per store; `path` is `direct` (primary) or `relay`. */
  writes: Counter<'table' | 'side' | 'path' | 'result'>;
  /** `switchyard_outbox_apply_failures_total{to,kind}`: failed relay batches (`transient`) and parked entries (`parked`). */
  relayFailures: Counter<'to' | 'kind'>;
  /** `switchyard_outbox_depth{store}`: pending entries in a store's outbox. */
  depth: Gauge<'store'>;
  /** `switchyard_outbox_oldest_age_seconds{store}`: age of the oldest pending entry. */
  oldestAge: Gauge<'store'>;
}

function getOrCreate<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** Registers (or reuses) the dual-write metrics in a registry. */
export function dualWriteMetrics(registry: Registry = new Registry()): DualWriteMetrics {
  const registers = [registry];
  return {
    writes: getOrCreate(registry, 'switchyard_store_writes_total', () => new Counter({ name: 'switchyard_store_writes_total', help: 'Rows written per store (direct: primary write; relay: outbox entry applied)', labelNames: ['table', 'side', 'path', 'result'] as const, registers })),
    relayFailures: getOrCreate(registry, 'switchyard_outbox_apply_failures_total', () => new Counter({ name: 'switchyard_outbox_apply_failures_total', help: 'Outbox relay failures: transient (batch retried) and parked (entry needs attention)', labelNames: ['to', 'kind'] as const, registers })),
    depth: getOrCreate(registry, 'switchyard_outbox_depth', () => new Gauge({ name: 'switchyard_outbox_depth', help: 'Pending outbox entries per store', labelNames: ['store'] as const, registers })),
    oldestAge: getOrCreate(registry, 'switchyard_outbox_oldest_age_seconds', () => new Gauge({ name: 'switchyard_outbox_oldest_age_seconds', help: 'Age of the oldest pending outbox entry per store', labelNames: ['store'] as const, registers })),
  };
}
