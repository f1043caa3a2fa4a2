/**
 * The proxy's part of a playbook (issue 5): listeners, upstreams, method classes, sticky
 * routing, the route-override header, shadow comparison and write capture.
 */
import { z } from 'zod';
import { CAPTURE_SOURCE_SCHEMA } from '../../proxy/capture-config.js';
import { duration, fraction, hostPort, identifier, methodPath, positiveInt } from './common.js';

/** A PEM file path (relative to the playbook's folder), read when the proxy starts. */
const pemFile = z.string().min(1);

/** TLS of a listener (the gRPC and WebSocket listeners share one; the admin listener has its own). */
export const listenerTls = z.strictObject({
  cert: pemFile.describe('PEM certificate chain file the listeners present'),
  key: pemFile.describe('PEM private key file of that certificate'),
  clientCa: pemFile.optional().describe('PEM CA bundle file; when set, clients must present a certificate it signed (mutual TLS); default: none'),
});

/** Where the proxy listens. At least one of `grpcListen` / `wsListen`. */
export const listeners = z
  .strictObject({
    grpcListen: hostPort.optional().describe('gRPC (HTTP/2) listener, host:port'),
    wsListen: hostPort.optional().describe('WebSocket listener, host:port'),
    wsPath: z.string().startsWith('/', { message: 'expected a path starting with "/"' }).default('/').describe('WebSocket upgrade path; default "/"'),
    adminListen: hostPort.optional().describe('admin HTTP listener (/healthz, /metrics, /status, PUT /split), host:port; default: none'),
    tls: listenerTls.optional().describe('TLS on the gRPC and WebSocket listeners; default: none (plaintext)'),
    adminTls: listenerTls.optional().describe('TLS (HTTPS) on the admin listener: cert, key, optional clientCa (then client certificates are required); needs adminListen; default: none (plaintext)'),
  })
  .refine((l) => l.grpcListen !== undefined || l.wsListen !== undefined, { message: 'expected at least one of "grpcListen" or "wsListen"' })
  .refine((l) => l.adminTls === undefined || l.adminListen !== undefined, { message: '"adminTls" needs "adminListen"', path: ['adminTls'] });

/** One backend the proxy forwards to. */
export const upstream = z
  .strictObject({
    transport: z.enum(['grpc', 'ws']).describe('grpc | ws'),
    address: z.string().min(1).describe('grpc: host:port; ws: host:port or a ws:// / wss:// URL'),
    tls: z.boolean().default(false).describe('connect with TLS; default false (a wss:// URL implies true)'),
    ca: pemFile.optional().describe('PEM CA bundle file that signed the upstream\'s certificate; default: the system roots'),
    cert: pemFile.optional().describe('PEM client certificate file for mutual TLS; default: none'),
    key: pemFile.optional().describe('PEM key file of the client certificate'),
    serverName: z.string().min(1).optional().describe('name the upstream\'s certificate must carry; default: the host of the address'),
  })
  .superRefine((u, ctx) => {
    const ok = u.transport === 'grpc' ? hostPort.safeParse(u.address).success : hostPort.safeParse(u.address).success || /^wss?:\/\/[^\s/]+(\/\S*)?$/.test(u.address);
    if (!ok) ctx.addIssue({ code: 'custom', path: ['address'], message: u.transport === 'grpc' ? 'expected host:port for a grpc upstream' : 'expected host:port or a ws:// URL for a ws upstream' });
    if ((u.cert === undefined) !== (u.key === undefined)) ctx.addIssue({ code: 'custom', path: [u.cert === undefined ? 'cert' : 'key'], message: 'cert and key go together (a client certificate needs its key)' });
    const secure = /^wss:\/\//.test(u.address) || (u.tls && !/^ws:\/\//.test(u.address));
    const tlsSettings = (['ca', 'cert', 'key', 'serverName'] as const).filter((k) => u[k] !== undefined);
    if (tlsSettings.length && !secure) ctx.addIssue({ code: 'custom', path: [tlsSettings[0]!], message: `${tlsSettings.join(', ')} need a TLS connection: set "tls: true"${u.transport === 'ws' ? ' or use a wss:// URL' : ''}` });
  });

/** Which methods are reads and which writes; each class has its own split. */
export const methodClasses = z.strictObject({
  reads: z.array(methodPath).default([]).describe('methods that only read; they move first and may be shadowed'),
  writes: z.array(methodPath).default([]).describe('methods that write; they move with the write stages'),
  default: z.enum(['reads', 'writes']).default('writes').describe('class of methods listed in neither; default writes (an unknown method is treated as a write)'),
});

/** Per-method settings. */
export const methodSettings = z.strictObject({
  stickyField: z.string().min(1).optional().describe('request field path (dotted) holding this method\'s sticky key; overrides sticky.field'),
});

/** How a call's sticky key is found: metadata first, then a request field. */
export const sticky = z.strictObject({
  metadataKey: z.string().min(1).optional().describe('metadata key holding the sticky key, e.g. x-user-id'),
  field: z.string().min(1).optional().describe('request field path (dotted) holding the sticky key, e.g. sender; for streams the first message'),
});

/** A metadata header that forces a route (testing aid). */
export const routeOverride = z.strictObject({
  header: z.string().min(1).default('x-switchyard-route').describe('metadata key; value "legacy" or "next"; default x-switchyard-route'),
  enabled: z.boolean().default(true).describe('honour the header; default true — set false in production if clients are untrusted'),
});

/** Shadow comparison for one method. */
export const shadowRule = z.strictObject({
  sampleRate: fraction.describe('share of calls also sent to the other upstream, 0–1'),
  timeout: duration.prefault('2s').describe('the shadow call\'s own deadline; default 2s'),
  queueSize: positiveInt.default(1000).describe('shadow calls in flight before new ones are dropped (and counted); default 1000'),
  ignore: z.array(z.string().min(1)).default([]).describe('response field paths not compared (timestamps, generated ids), e.g. sent_at, items[].id'),
  safeToRepeat: z.boolean().default(false).describe('the method may be sent twice (required to shadow a write); default false'),
  noiseFilter: z.boolean().default(false).describe('also call legacy twice and discount differences legacy shows against itself; default false'),
});

/**
 * A captured column's source: `request.<path>`, `response.<path>` (`response[$index].<path>`
 * picks the streamed response paired with request message N), `metadata.<key>`, or a
 * constant. The proxy's own rule, so both layers accept exactly the same sources.
 */
export const captureSource = CAPTURE_SOURCE_SCHEMA;

/** Maps a write method's request/response fields to a row of a logical table. */
export const captureRule = z.strictObject({
  method: methodPath.describe('the write method'),
  table: identifier.describe('a logical table from "tables"'),
  op: z.enum(['upsert', 'delete']).default('upsert').describe('upsert | delete; default upsert'),
  each: z
    .enum(['call', 'request-message'])
    .default('call')
    .describe('call: one row per call (unary, or a stream\'s first message); request-message: one row per request message of a stream, "[$index]" in a response path picks the matching element'),
  columns: z.record(z.string().min(1), captureSource).describe('logical column → source'),
});

/** Limits enforced at the proxy. */
export const proxyLimits = z.strictObject({
  maxMessageBytes: positiveInt.optional().describe('largest message accepted; default the transport default (4 MiB)'),
  maxConnections: positiveInt.optional().describe('concurrent client connections; default unlimited'),
  maxStreamsPerConnection: positiveInt.optional().describe('concurrent calls per connection; default 100'),
});

/** The `proxy:` section. */
export const proxySection = z.strictObject({
  listeners,
  upstreams: z.strictObject({ legacy: upstream, next: upstream }),
  methodClasses: methodClasses.prefault({}),
  methods: z.record(methodPath, methodSettings).default({}).describe('per-method settings, keyed by method path'),
  sticky: sticky.default({}),
  routeOverride: routeOverride.prefault({}),
  shadow: z.record(methodPath, shadowRule).default({}).describe('shadow comparison per method path'),
  capture: z.array(captureRule).default([]).describe('write capture rules (dual write at the proxy)'),
  drainGrace: duration.optional().describe('after a split change, end streams still on the old route after this long with a retryable status; default: never'),
  adminToken: z.string().min(1).optional().describe('bearer token for admin writes (PUT /split), as ${ENV_VAR}; absent: admin writes disabled'),
  snapshotInterval: duration.prefault('5s').describe('how often metric snapshots go to the control database; default 5s'),
  limits: proxyLimits.default({}),
});
