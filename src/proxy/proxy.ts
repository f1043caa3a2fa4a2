/**
 * `startProxy`: the dual-serving proxy, assembled. Loads the `.proto`, listens on gRPC and
 * WebSocket with one gateway, follows the splits in the control database, shadows and
 * captures where configured, serves the admin endpoints and writes metric snapshots.
 */
import type { RouteTarget } from '../control/routes.js';
import type { UpstreamName } from '../control/snapshots.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { loadProto } from '../schema/load.js';
import type { ClientTransport } from '../transport/transport.js';
import { createAdminServer, type SplitRequest } from './admin.js';
import type { RunningCapture } from './capture-runtime.js';
import { splitHostPort, type ProxyConfig } from './config.js';
import { startControlLink, type ControlLink } from './control-link.js';
import { DualWriteGate } from './dual-write-gate.js';
import { createGateway, type Gateway } from './gateway.js';
import { startListeners, type Listeners } from './listeners.js';
import { buildMethodTable } from './methods.js';
import { createProxyMetrics } from './metrics.js';
import { buildStatus, ProxyTotals } from './proxy-status.js';
import { createShadower } from './shadow.js';
import { SnapshotAggregator } from './snapshots.js';
import { SplitTable } from './split-table.js';
import { combineTaps } from './taps.js';
import type { ProxyTransports } from './transports.js';
import { createUpstreamPool } from './upstream-pool.js';

/** Options for {@link startProxy}. */
export interface StartProxyOptions {
  /** Creates listeners and upstream clients (the real engines: `engineTransports()`). */
  transports: ProxyTransports;
  /** Logger; calls at debug, errors at warn. Default silent. */
  logger?: Logger;
}

/** A running proxy. */
export interface RunningProxy {
  /** Bound addresses (`host:port`), null for listeners not configured. */
  readonly addresses: { grpc: string | null; ws: string | null; admin: string | null };
  /** The `GET /status` document. */
  status(): Promise<Record<string, unknown>>;
  /** Changes a split (through the control database when there is one). */
  setSplit(request: SplitRequest): Promise<{ version: number; target: RouteTarget; splitBp: number }>;
  /** The Prometheus registry. */
  readonly registry: import('prom-client').Registry;
  /** Calls open on the listeners. */
  readonly activeCalls: number;
  /** Graceful stop: refuse new calls, let open ones finish for `graceMs` (default `shutdownGraceMs`), end the rest, flush snapshots. */
  stop(graceMs?: number): Promise<void>;
}

/** Resources to release, last started first. */
class Cleanup {
  private readonly steps: Array<() => Promise<void>> = [];
  add(step: () => Promise<void>): void {
    this.steps.push(step);
  }
  async run(): Promise<void> {
    while (this.steps.length) await this.steps.pop()!().catch(() => undefined);
  }
}

/** Starts the proxy. Resolves once every listener is bound; on failure releases what it started. */
export async function startProxy(config: ProxyConfig, options: StartProxyOptions): Promise<RunningProxy> {
  const cleanup = new Cleanup();
  try {
    return await assemble(config, options.transports, options.logger ?? silentLogger, cleanup);
  } catch (err) {
    await cleanup.run();
    throw err;
  }
}

async function assemble(config: ProxyConfig, t: ProxyTransports, logger: Logger, cleanup: Cleanup): Promise<RunningProxy> {
  const schema = await loadProto([...config.proto.files], { includePaths: [...config.proto.includePaths] });
  const methods = buildMethodTable(schema, config);
  const methodList = [...methods.values()];
  const splits = new SplitTable(methodList, config.routing.splitBp);
  const totals = new ProxyTotals();
  const aggregator = new SnapshotAggregator(config.control.maxMismatchSamplesPerInterval);
  const startedAtMs = Date.now();
  let state: 'serving' | 'stopping' = 'serving';
  let gateway: Gateway | undefined;

  const clientOptions = { maxMessageBytes: config.limits.maxMessageBytes, logger, ...(config.heartbeat ? { heartbeat: { ...config.heartbeat } } : {}) };
  const pool = (name: UpstreamName): ClientTransport => {
    const tls = config.tls.upstreams[name];
    const options = tls ? { ...clientOptions, tls: { ...tls } } : clientOptions;
    return createUpstreamPool(config.limits.upstreamConnections, () => t.createClient(config.upstreams[name], options));
  };
  const upstreams: Record<UpstreamName, ClientTransport> = { legacy: pool('legacy'), next: pool('next') };
  cleanup.add(async () => void (await Promise.all([upstreams.legacy.close(), upstreams.next.close()])));
  // Connect now so the first calls do not pay for it; an upstream that is down is retried with backoff.
  for (const [name, u] of Object.entries(upstreams)) u.connect().catch((err: Error) => logger.warn({ upstream: name, err: err.message }, 'upstream not reachable yet; retrying'));

  const dualWrite = new DualWriteGate();
  const link = config.control.url ? await startControlLink(config, splits, aggregator, () => gateway?.splitsChanged(), logger, config.capture.rules.length > 0 ? dualWrite : undefined) : undefined;
  if (link) cleanup.add(() => link.close());

  let capture: RunningCapture | undefined;
  const metrics = createProxyMetrics({
    openCalls: (u) => gateway?.openCalls(u) ?? 0,
    shadowInFlight: () => shadower.inFlight,
    ...(config.capture.rules.length > 0 ? { outboxDepth: () => capture?.outboxDepth() ?? Promise.resolve(0) } : {}),
  });
  const shadower = createShadower({
    upstreams,
    maxBufferedBytes: config.shadow.maxBufferedBytes,
    onResult(r) {
      metrics.shadowResult(r);
      aggregator.shadowResult(r);
      totals.shadowResult(r);
      if (r.outcome.t === 'mismatch') logger.info({ method: r.method.path, primary: r.primary, diff: r.outcome.diff.slice(0, 5) }, 'shadow mismatch');
    },
  });
  if (config.capture.rules.length > 0) {
    // Loaded only when capture is configured: it brings the DualWriter and the database drivers.
    const { startCapture } = await import('./capture-runtime.js');
    const onResult = (method: string, result: 'enqueued' | 'failed'): void => {
      metrics.captured(method, result);
      totals.capture[result]++;
    };
    const cap = await startCapture(config.capture, methods, { migration: config.migration, logger, onResult, shouldMirror: (table, from) => dualWrite.shouldMirror(table, from) });
    capture = cap;
    cleanup.add(() => cap.close());
  }

  const gw = createGateway({
    methods,
    splits,
    upstreams,
    overrideHeader: config.routing.overrideHeader,
    drainGraceMs: config.routing.drainGraceMs,
    logger,
    tapFor: (call) => combineTaps(shadower.tapFor(call), capture?.capture.tapFor(call)),
    onFinished(f) {
      metrics.callFinished(f);
      aggregator.callFinished(f);
      totals.callFinished(f);
    },
    onRejected(reason) {
      metrics.rejected(reason);
      totals.rejected++;
    },
  });
  gateway = gw;
  const listeners = await startListeners(config, t, schema, methodList, gw.handler, logger);
  cleanup.add(async () => void (await Promise.all(listeners.servers.map((s) => s.shutdown(0)))));

  const addresses = { ...listeners.addresses, admin: null as string | null };
  const setSplit = (r: SplitRequest) => applySplit(link, splits, gw, r, logger);
  const status = () =>
    buildStatus({
      proxyId: config.proxyId,
      migration: config.migration,
      state,
      startedAtMs,
      listeners: addresses,
      upstreams,
      upstreamUrls: config.upstreams,
      gateway: gw,
      splits,
      methods: methodList,
      routes: { control: link !== undefined, listening: link?.listening ?? false },
      totals,
      shadowInFlight: shadower.inFlight,
      ...(capture ? { outbox: capture.outboxStats } : {}),
    });
  if (config.listen.admin) {
    const health = () => (state === 'serving' ? ({ ok: true } as const) : ({ ok: false, reason: 'shutting down' } as const));
    const adminTls = config.tls.admin ? { cert: config.tls.admin.cert, key: config.tls.admin.key, ...(config.tls.admin.clientCa ? { ca: config.tls.admin.clientCa } : {}) } : undefined;
    const admin = await createAdminServer({ ...splitHostPort(config.listen.admin), ...(adminTls ? { tls: adminTls } : {}), token: config.admin.token, registry: metrics.registry, health, status, setSplit, logger });
    addresses.admin = `${admin.address.host}:${admin.address.port}`;
    cleanup.add(() => admin.close());
  }
  logger.info({ ...addresses, legacy: config.upstreams.legacy, next: config.upstreams.next, methods: methodList.length }, 'proxy listening');

  let stopping: Promise<void> | undefined;
  const stop = async (graceMs: number): Promise<void> => {
    state = 'stopping';
    await drainAndStop(gw, listeners, graceMs);
    await cleanup.run();
    logger.info({ calls: totals.calls }, 'proxy stopped');
  };
  return {
    addresses,
    status,
    setSplit,
    registry: metrics.registry,
    get activeCalls() {
      return listeners.servers.reduce((n, s) => n + s.activeCalls, 0);
    },
    stop: (graceMs = config.shutdownGraceMs) => (stopping ??= stop(graceMs)),
  };
}

/** Refuses new calls, lets open ones run for `graceMs`, then ends the rest. */
async function drainAndStop(gateway: Gateway, listeners: Listeners, graceMs: number): Promise<void> {
  listeners.extras?.setServing(false);
  gateway.stopAccepting();
  await Promise.all(listeners.servers.map((s) => s.shutdown(graceMs)));
  gateway.endAll('switchyard proxy is shutting down; retry');
  await Promise.race([gateway.idle(), new Promise((r) => setTimeout(r, 5_000).unref())]);
}

/** PUT /split: through the control database when there is one, else on this instance. */
async function applySplit(link: ControlLink | undefined, splits: SplitTable, gateway: Gateway, r: SplitRequest, logger: Logger): Promise<{ version: number; target: RouteTarget; splitBp: number }> {
  if (link) {
    const version = await link.setSplit(r.target, r.splitBp, r.reason);
    return { version, target: r.target, splitBp: r.splitBp };
  }
  if (splits.setLocal(r.target, r.splitBp)) gateway.splitsChanged();
  logger.info({ target: r.target, splitBp: r.splitBp, reason: r.reason }, 'split set locally (no control database)');
  return { version: splits.version, target: r.target, splitBp: r.splitBp };
}
