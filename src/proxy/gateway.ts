/**
 * The gateway: the one call handler both listeners (gRPC and WebSocket) share. It routes
 * each call, joins it to an upstream call ({@link ProxiedCall}), keeps the open calls (for
 * drain, shutdown and the open-streams gauge) and reports every finished call.
 */
import { Code, fail } from '../errors.js';
import type { UpstreamName } from '../control/snapshots.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { TRACEPARENT, childOf, formatTraceParent, parseTraceParent } from '../observability/trace-context.js';
import type { Metadata } from '../transport/metadata.js';
import { describeStatus, status as makeStatus, statusFromError, type Status } from '../transport/status.js';
import type { CallHandler, ClientTransport, ServerCall } from '../transport/transport.js';
import type { ProxyMethod } from './methods.js';
import { ProxiedCall, type CallContext, type CallTap } from './proxied-call.js';
import { decide, metadataKey, overrideRoute, upstreamFor, type RouteDecision } from './router.js';
import type { SplitTable } from './split-table.js';

/** A finished call, as metrics and logs see it. */
export interface FinishedCall {
  method: ProxyMethod;
  /** Undefined when the call ended before it was routed. */
  upstream: UpstreamName | undefined;
  status: Status;
  durationMs: number;
  /** Set when the proxy ended the call itself. */
  endedBy: 'drain' | 'shutdown' | undefined;
}

/** Options for {@link createGateway}. */
export interface GatewayOptions {
  /** Method path → method. */
  methods: ReadonlyMap<string, ProxyMethod>;
  splits: SplitTable;
  upstreams: Readonly<Record<UpstreamName, ClientTransport>>;
  /** Metadata key forcing a route; null disables. */
  overrideHeader: string | null;
  /** Grace before a stream moved by a split change is ended; null: streams stay. */
  drainGraceMs: number | null;
  /** Creates a shadow/capture tap for a routed call, if any. Default: none. */
  tapFor?: (call: ProxiedCall) => CallTap | undefined;
  /** Called for every finished call. */
  onFinished?: (call: FinishedCall) => void;
  /** Called for every call refused before routing (`shutting-down`). */
  onRejected?: (reason: string) => void;
  /** Logger; calls at debug, errors at warn. Default silent. */
  logger?: Logger;
}

/** The gateway. */
export interface Gateway {
  /** The handler to give both server transports. */
  readonly handler: CallHandler;
  /** Open calls per upstream (routed, not yet finished). */
  openCalls(upstream: UpstreamName): number;
  /** Re-checks open streams after a split change (schedules or cancels drains). */
  splitsChanged(): void;
  /** Refuses new calls (UNAVAILABLE) from now on. */
  stopAccepting(): void;
  /** Ends every open call with UNAVAILABLE (after the shutdown grace). */
  endAll(message: string): void;
  /** Resolves when no call is open. */
  idle(): Promise<void>;
}

/** Status codes counted as errors of the upstream (server faults). */
export const SERVER_FAULT_CODES: ReadonlySet<Code> = new Set([Code.UNKNOWN, Code.DEADLINE_EXCEEDED, Code.UNIMPLEMENTED, Code.INTERNAL, Code.UNAVAILABLE, Code.DATA_LOSS]);

/** Creates the gateway. */
export function createGateway(options: GatewayOptions): Gateway {
  const logger = options.logger ?? silentLogger;
  const debug = logger.isLevelEnabled('debug');
  const open = new Set<ProxiedCall>();
  const perUpstream: Record<UpstreamName, number> = { legacy: 0, next: 0 };
  let accepting = true;
  let idleWaiters: Array<() => void> = [];

  const ctx: CallContext = {
    upstreams: options.upstreams,
    route(call, key): RouteDecision {
      const forced = overrideRoute(call.down.metadata, options.overrideHeader);
      const d: RouteDecision = forced ? { upstream: forced, reason: 'override', bucket: -1 } : decide(key, options.splits.splitOf(call.method));
      perUpstream[d.upstream]++;
      return d;
    },
    upstreamMetadata(call): Metadata {
      const md = call.down.metadata;
      const parent = parseTraceParent(md.getText(TRACEPARENT));
      if (!parent) return md;
      return md.clone().set(TRACEPARENT, formatTraceParent(childOf(parent)));
    },
    tapFor: (call) => options.tapFor?.(call),
    finished(call, s) {
      open.delete(call);
      const upstream = call.decision?.upstream;
      if (upstream) perUpstream[upstream]--;
      const durationMs = performance.now() - call.startedAt;
      const endedBy = call.endedByProxy?.reason;
      if (debug) logger.debug({ method: call.method.path, upstream, code: describeStatus(s), ms: Math.round(durationMs * 1000) / 1000, via: call.down.transport, route: call.decision?.reason, endedBy }, 'call');
      if (SERVER_FAULT_CODES.has(s.code) && !endedBy) {
        const id = s.code === Code.UNAVAILABLE && upstream ? 'PROXY_UPSTREAM_UNAVAILABLE' : undefined;
        logger.warn({ method: call.method.path, upstream, status: describeStatus(s), peer: call.down.peer, ...(id ? { id } : {}) }, 'call failed');
      }
      options.onFinished?.({ method: call.method, upstream, status: s, durationMs, endedBy });
      if (open.size === 0 && idleWaiters.length > 0) {
        const w = idleWaiters;
        idleWaiters = [];
        for (const f of w) f();
      }
    },
  };

  const handler: CallHandler = (down: ServerCall) => {
    const method = options.methods.get(down.method);
    if (!method) {
      down.end(makeStatus(Code.UNIMPLEMENTED, `method ${down.method} is not served by this proxy`));
      return;
    }
    if (!accepting) {
      options.onRejected?.('shutting-down');
      down.end(statusFromError(fail('PROXY_SHUTTING_DOWN', 'switchyard proxy is shutting down; retry on another instance')));
      return;
    }
    const call = new ProxiedCall(down, method, ctx);
    open.add(call);
    const forced = overrideRoute(down.metadata, options.overrideHeader);
    const mdKey = forced ? undefined : metadataKey(method, down.metadata);
    const needsFirst = !forced && mdKey === undefined && method.stickyField !== undefined;
    call.start(mdKey, needsFirst);
  };

  const scheduleDrain = (call: ProxiedCall, graceMs: number): void => {
    const d = call.decision;
    if (!d || d.reason === 'override' || call.method.kind === 'unary') return;
    const target = upstreamFor(d.bucket, options.splits.splitOf(call.method));
    if (target === d.upstream) {
      if (call.drainTimer) clearTimeout(call.drainTimer);
      call.drainTimer = undefined;
      return;
    }
    if (call.drainTimer) return;
    call.drainTimer = setTimeout(() => {
      call.drainTimer = undefined;
      call.endByProxy(statusFromError(fail('PROXY_STREAM_DRAINED', `switchyard: the traffic split changed and this stream now belongs on the ${target} upstream; retry`)), 'drain');
    }, graceMs);
    call.drainTimer.unref();
  };

  return {
    handler,
    openCalls: (u) => perUpstream[u],
    splitsChanged() {
      const grace = options.drainGraceMs;
      if (grace === null) return;
      for (const call of open) scheduleDrain(call, grace);
    },
    stopAccepting() {
      accepting = false;
    },
    endAll(message) {
      for (const call of [...open]) call.endByProxy(statusFromError(fail('PROXY_SHUTTING_DOWN', message)), 'shutdown');
    },
    idle() {
      if (open.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
