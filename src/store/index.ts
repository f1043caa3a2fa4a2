/** The store layer's public API: connections, dual writes with a durable outbox, and resumable backfill. */
export { openStore, type Store, type OpenStoreOptions } from './connect.js';
export { parseStoreUrl, redactUrl, type StoreUrl, type EngineName } from './url.js';
export type { TableInfo, ColumnInfo, TypeFamily } from './introspect.js';
export { createDualWriter, type DualWriter, type DualWriterOptions, type WriteOp, type WriteResult, type Row } from './dual/dual-writer.js';
export { DUAL_WRITE_MODES, type DualWriteMode, type Side } from './dual/modes.js';
export type { TableMapping } from './dual/mapping.js';
export type { OutboxStats } from './dual/outbox.js';
export type { RelayTuning } from './dual/relay.js';
export { dualWriteMetrics, type DualWriteMetrics } from './dual/metrics.js';
export { runBackfill, type BackfillOptions, type BackfillResult } from './backfill/run.js';
export type { ConflictPolicy } from './backfill/plan.js';
export type { BulkLoadMethod } from './write-dialect.js';
