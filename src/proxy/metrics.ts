/**
 * The proxy's Prometheus metrics (prom-client, its own registry so several proxies can
 * live in one process). Everything is counted per call, not per message; the forwarded
 * message counts are plain integers read at scrape time.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { codeName } from '../errors.js';
import type { UpstreamName } from '../control/snapshots.js';
import { DEFAULT_LATENCY_BOUNDS_MS } from '../control/histogram.js';
import { SERVER_FAULT_CODES, type FinishedCall } from './gateway.js';
import { forwardedCounts } from './proxied-call.js';
import type { ShadowResult } from './shadow.js';

/** What the metrics read at scrape time. */
export interface MetricsSources {
  openCalls(upstream: UpstreamName): number;
  shadowInFlight(): number;
  /** Outbox entries not yet applied, when capture is on. */
  outboxDepth?: () => Promise<number>;
}

/** The proxy's metrics. */
export interface ProxyMetrics {
  readonly registry: Registry;
  callFinished(call: FinishedCall): void;
  shadowResult(result: ShadowResult): void;
  /** A call the proxy refused before routing (`shutting-down`). */
  rejected(reason: string): void;
  /** A captured write: `enqueued` or `failed`. */
  captured(method: string, result: 'enqueued' | 'failed'): void;
}

/** Creates the metrics on a fresh registry. `processMetrics` adds prom-client's default process metrics (default true). */
export function createProxyMetrics(sources: MetricsSources, processMetrics = true): ProxyMetrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry, prefix: 'switchyard_proxy_process_' });
  const registers = [registry];
  const calls = new Counter({ name: 'switchyard_proxy_calls_total', help: 'Calls finished, by method, upstream and status code', labelNames: ['method', 'upstream', 'code'] as const, registers });
  const errors = new Counter({ name: 'switchyard_proxy_call_errors_total', help: 'Calls that ended with a server-fault code (UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS)', labelNames: ['method', 'upstream', 'code'] as const, registers });
  const latency = new Histogram({
    name: 'switchyard_proxy_call_duration_seconds',
    help: 'Call duration from arrival at the proxy to its status, by method, upstream and code',
    labelNames: ['method', 'upstream', 'code'] as const,
    buckets: DEFAULT_LATENCY_BOUNDS_MS.map((ms) => ms / 1000),
    registers,
  });
  new Gauge({
    name: 'switchyard_proxy_open_streams',
    help: 'Calls open through the proxy, by upstream',
    labelNames: ['upstream'] as const,
    registers,
    collect() {
      this.set({ upstream: 'legacy' }, sources.openCalls('legacy'));
      this.set({ upstream: 'next' }, sources.openCalls('next'));
    },
  });
  const seen = { requests: 0, responses: 0 };
  new Counter({
    name: 'switchyard_proxy_messages_forwarded_total',
    help: 'Messages forwarded, by direction (request: client to upstream; response: upstream to client)',
    labelNames: ['direction'] as const,
    registers,
    collect() {
      for (const d of ['requests', 'responses'] as const) {
        this.inc({ direction: d.slice(0, -1) }, forwardedCounts[d] - seen[d]);
        seen[d] = forwardedCounts[d];
      }
    },
  });
  const shadow = new Counter({ name: 'switchyard_proxy_shadow_comparisons_total', help: 'Shadow comparisons, by method, primary upstream and result (match, mismatch)', labelNames: ['method', 'primary', 'result'] as const, registers });
  const shadowDropped = new Counter({ name: 'switchyard_proxy_shadow_dropped_total', help: 'Sampled calls not compared, by method and reason (overloaded, timeout, too-large, primary-ended-early)', labelNames: ['method', 'reason'] as const, registers });
  const discounted = new Counter({ name: 'switchyard_proxy_shadow_noise_discounted_total', help: 'Differences the noise filter discounted (legacy differs from itself there)', labelNames: ['method'] as const, registers });
  new Gauge({ name: 'switchyard_proxy_shadow_in_flight', help: 'Shadow calls in progress', registers, collect() { this.set(sources.shadowInFlight()); } });
  const rejected = new Counter({ name: 'switchyard_proxy_rejected_total', help: 'Calls refused before routing, by reason', labelNames: ['reason'] as const, registers });
  const captured = new Counter({ name: 'switchyard_proxy_captured_writes_total', help: 'Captured writes, by method and result (enqueued in the outbox, failed)', labelNames: ['method', 'result'] as const, registers });
  if (sources.outboxDepth) {
    const depth = sources.outboxDepth;
    new Gauge({
      name: 'switchyard_proxy_outbox_depth',
      help: 'Captured writes waiting in the outbox for the other store',
      registers,
      async collect() {
        this.set(await depth().catch(() => -1));
      },
    });
  }
  return {
    registry,
    callFinished(f) {
      const labels = { method: f.method.path, upstream: f.upstream ?? 'none', code: codeName(f.status.code) };
      calls.inc(labels);
      latency.observe(labels, f.durationMs / 1000);
      if (SERVER_FAULT_CODES.has(f.status.code) && !f.endedBy) errors.inc(labels);
    },
    shadowResult(r) {
      const o = r.outcome;
      if (o.t === 'dropped') shadowDropped.inc({ method: r.method.path, reason: o.reason });
      else {
        shadow.inc({ method: r.method.path, primary: r.primary, result: o.t });
        if (o.discounted > 0) discounted.inc({ method: r.method.path }, o.discounted);
      }
    },
    rejected: (reason) => rejected.inc({ reason }),
    captured: (method, result) => captured.inc({ method, result }),
  };
}
