/**
 * The playbook's `proxy:` section (with `service`, `control`, `datastores` and `tables`)
 * mapped onto the proxy's own configuration input. The proxy validates it again and fills
 * its defaults; it never sees the playbook.
 */
import { defaultControlUrl } from '../control/control-db.js';
import type { ProxyConfigInput } from '../proxy/config.js';
import { listenTlsFromFiles, upstreamTlsFromFiles } from '../proxy/tls-files.js';
import type { Playbook } from './schema/playbook.js';

type Upstream = Playbook['proxy']['upstreams']['legacy'];

/** `grpc://host:port`, `grpcs://…`, `ws://host:port/` or the ws URL as written. */
export function upstreamUrl(u: Upstream): string {
  if (u.transport === 'grpc') return `${u.tls ? 'grpcs' : 'grpc'}://${u.address}`;
  if (/^wss?:\/\//.test(u.address)) return u.address;
  return `${u.tls ? 'wss' : 'ws'}://${u.address}/`;
}

/** Options for {@link proxyConfigFromPlaybook}. */
export interface PlaybookProxyOptions {
  /** This proxy's id. Default: the proxy's own default (`HOSTNAME:PID`). */
  proxyId?: string;
  /** Control database URL. Default: the playbook's, else `sqlite://.switchyard/control.db`. */
  controlUrl?: string;
  /** Folder the TLS file paths resolve against (the playbook's). Default: the working directory. */
  dir?: string;
}

/** Reads the TLS files the proxy section names (at start-up): listener and admin certificates, upstream CAs and client certificates. */
function tlsFromPlaybook(p: Playbook['proxy'], dir: string | undefined): NonNullable<ProxyConfigInput['tls']> {
  const at = (base: string) => (field: string) => `${base}.${field}`;
  return {
    listen: p.listeners.tls ? listenTlsFromFiles(p.listeners.tls, at('proxy.listeners.tls'), dir) : null,
    admin: p.listeners.adminTls ? listenTlsFromFiles(p.listeners.adminTls, at('proxy.listeners.adminTls'), dir) : null,
    upstreams: {
      legacy: upstreamTlsFromFiles(p.upstreams.legacy, at('proxy.upstreams.legacy'), dir),
      next: upstreamTlsFromFiles(p.upstreams.next, at('proxy.upstreams.next'), dir),
    },
  };
}

/** Maps a validated playbook to a proxy configuration input. */
export function proxyConfigFromPlaybook(pb: Playbook, options: PlaybookProxyOptions = {}): ProxyConfigInput {
  const p = pb.proxy;
  const overrides: NonNullable<NonNullable<ProxyConfigInput['methods']>['overrides']> = [];
  for (const [method, s] of Object.entries(p.methods)) if (s.stickyField) overrides.push({ method, sticky: { field: s.stickyField } });
  for (const [method, s] of Object.entries(p.shadow)) {
    overrides.push({ method, shadow: { sampleRate: s.sampleRate, timeoutMs: s.timeout, maxInFlight: s.queueSize, ignoreFields: s.ignore, safeToRepeat: s.safeToRepeat, noiseFilter: s.noiseFilter } });
  }
  const captured = new Set(p.capture.map((r) => r.table));
  const tables = Object.fromEntries(
    Object.entries(pb.tables)
      .filter(([name]) => captured.has(name))
      .map(([name, t]) => [name, { ...(t.legacy ? { legacyTable: t.legacy } : {}), ...(t.next ? { nextTable: t.next } : {}), ...(t.key ? { key: t.key } : {}), ...(t.columns ? { columns: t.columns } : {}), ...(t.version ? { versionColumn: t.version } : {}) }]),
  );
  const sticky = p.sticky.metadataKey || p.sticky.field ? { ...(p.sticky.metadataKey ? { metadata: p.sticky.metadataKey } : {}), ...(p.sticky.field ? { field: p.sticky.field } : {}) } : null;
  return {
    migration: pb.migration,
    ...(options.proxyId ? { proxyId: options.proxyId } : {}),
    proto: { files: pb.service.protos, includePaths: pb.service.includePaths },
    listen: { grpc: p.listeners.grpcListen ?? null, ws: p.listeners.wsListen ?? null, wsPath: p.listeners.wsPath, admin: p.listeners.adminListen ?? null },
    upstreams: { legacy: upstreamUrl(p.upstreams.legacy), next: upstreamUrl(p.upstreams.next) },
    tls: tlsFromPlaybook(p, options.dir),
    limits: {
      ...(p.limits.maxMessageBytes ? { maxMessageBytes: p.limits.maxMessageBytes } : {}),
      ...(p.limits.maxConnections ? { maxConnections: p.limits.maxConnections } : {}),
      ...(p.limits.maxStreamsPerConnection ? { maxConcurrentStreams: p.limits.maxStreamsPerConnection } : {}),
    },
    routing: { sticky, overrideHeader: p.routeOverride.enabled ? p.routeOverride.header : null, drainGraceMs: p.drainGrace ?? null },
    methods: { reads: p.methodClasses.reads, writes: p.methodClasses.writes, defaultClass: p.methodClasses.default, overrides },
    capture: {
      legacyStore: p.capture.length ? (pb.datastores?.legacy.url ?? null) : null,
      nextStore: p.capture.length ? (pb.datastores?.next.url ?? null) : null,
      tables,
      rules: p.capture.map((r) => ({ method: r.method, table: r.table, op: r.op, each: r.each, columns: r.columns })),
    },
    control: { url: options.controlUrl ?? pb.control.url ?? defaultControlUrl(), snapshotIntervalMs: p.snapshotInterval },
    admin: { token: p.adminToken ?? null },
  };
}
