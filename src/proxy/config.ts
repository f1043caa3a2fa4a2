/**
 * The proxy's own configuration: one plain object, validated once here (zod), defaults
 * filled in, then frozen. The playbook layer and the CLI map their input onto it; code
 * further in trusts it.
 */
import os from 'node:os';
import { z } from 'zod';
import { fail } from '../errors.js';
import { CAPTURE_CONFIG_SCHEMA } from './capture-config.js';

/** Default share of calls to the next upstream when neither the config nor the control DB says: 0. */
export const DEFAULT_SPLIT_BP = 0;
/** Default route-override metadata key. */
export const DEFAULT_OVERRIDE_HEADER = 'x-switchyard-route';
/** Default control-DB poll interval, ms. */
export const DEFAULT_POLL_INTERVAL_MS = 1_000;
/** Default metric snapshot interval, ms. */
export const DEFAULT_SNAPSHOT_INTERVAL_MS = 10_000;
/** Default graceful-shutdown grace, ms. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

const bp = z.number().int().min(0).max(10_000);
const hostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:/]+):\d{1,5}$/, 'expected HOST:PORT');
const upstreamUrl = z.string().regex(/^(grpcs?|wss?):\/\/[^\s/]+(\/\S*)?$/, 'expected grpc://HOST:PORT, grpcs://, ws://HOST:PORT[/path] or wss://');

/** PEM text (a certificate chain, key or CA bundle). */
const pem = z.string().regex(/-----BEGIN [A-Z0-9 ]+-----/, 'expected PEM text (-----BEGIN ...-----)');

/** TLS of the proxy's own listeners (gRPC and WebSocket alike). */
const LISTEN_TLS_SCHEMA = z
  .object({
    /** PEM certificate chain the listeners present. */
    cert: pem,
    /** PEM private key of that certificate. */
    key: pem,
    /** PEM CA bundle: when set, clients must present a certificate it signed (mutual TLS). Default none. */
    clientCa: pem.optional(),
  })
  .strict();

/** TLS towards one upstream (`grpcs://` / `wss://`). */
const UPSTREAM_TLS_SCHEMA = z
  .object({
    /** PEM CA bundle that signed the upstream's certificate. Default: the system roots. */
    ca: pem.optional(),
    /** PEM client certificate for mutual TLS. Default none. */
    cert: pem.optional(),
    /** PEM key of the client certificate. */
    key: pem.optional(),
    /** Name to verify the upstream's certificate against. Default: the host of the upstream URL. */
    serverName: z.string().min(1).optional(),
  })
  .strict()
  .refine((t) => (t.cert === undefined) === (t.key === undefined), 'cert and key go together (a client certificate needs its key)');

/** Where the sticky routing key comes from: the metadata key first, then the request field. */
const STICKY_SCHEMA = z
  .object({
    /** A metadata key (e.g. `x-user-id`); its first text value is the key. */
    metadata: z.string().min(1).toLowerCase().optional(),
    /** A dotted field path in the request message (e.g. `sender` or `user.id`); unary calls and the first message of a stream. */
    field: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, 'expected a dotted field path').optional(),
  })
  .strict();

/** Shadow settings a method can override. */
const SHADOW_METHOD_SCHEMA = z
  .object({
    /** Share of calls also sent to the other upstream, 0–1. Default 0 (off). */
    sampleRate: z.number().min(0).max(1),
    /** A write method may be shadowed only when repeating it is harmless. Default false. */
    safeToRepeat: z.boolean(),
    /** Field paths whose differences are ignored (`sent_at`, `items[].id`, `*.id`, `**.id`). Default none. */
    ignoreFields: z.array(z.string().min(1)),
    /** Diffy-style noise filter: a second legacy call; differences legacy shows against itself are discounted. Default false. */
    noiseFilter: z.boolean(),
    /** A shadow still open after this is cancelled and counted dropped, ms. Default 2000. */
    timeoutMs: z.number().int().positive(),
    /** Shadow calls of the method in flight at once; more are dropped and counted. Default 1000. */
    maxInFlight: z.number().int().positive(),
  })
  .strict();

const METHOD_OVERRIDE_SCHEMA = z
  .object({
    /** `/pkg.Service/Method`, or a pattern with `*` (e.g. `/chat.ChatService/*`). */
    method: z.string().min(1),
    /** Method class: `reads`, `writes` or `default` (another name works and gets its own `class:NAME` split). */
    class: z.string().regex(/^[a-z][a-z0-9_-]*$/).optional(),
    sticky: STICKY_SCHEMA.nullable().optional(),
    shadow: SHADOW_METHOD_SCHEMA.partial().optional(),
  })
  .strict();

const LIMITS_SCHEMA = z
  .object({
    /** Largest message accepted or forwarded, bytes. Default 4 MiB. */
    maxMessageBytes: z.number().int().positive().default(4 * 1024 * 1024),
    /** Concurrent calls per client connection. Default 1000. */
    maxConcurrentStreams: z.number().int().positive().default(1000),
    /** Concurrent client connections per listener. Default 10 000. */
    maxConnections: z.number().int().positive().default(10_000),
    /** Connections the proxy keeps to each upstream; calls go to the least busy. Default 1. */
    upstreamConnections: z.number().int().min(1).max(64).default(1),
  })
  .strict();

/** The validated input schema of {@link ProxyConfig}. */
export const PROXY_CONFIG_SCHEMA = z
  .object({
    /** Migration name: which splits to follow in the control DB; the label on snapshots. Default `default`. */
    migration: z.string().min(1).max(128).default('default'),
    /** This proxy's id in snapshots and events. Default `HOSTNAME:PID`. */
    proxyId: z.string().min(1).max(256).default(() => `${os.hostname()}:${process.pid}`),
    proto: z.object({ files: z.array(z.string().min(1)).min(1), includePaths: z.array(z.string()).default([]) }).strict(),
    listen: z
      .object({
        /** gRPC listener, `HOST:PORT`. Default none. */
        grpc: hostPort.nullable().default(null),
        /** WebSocket listener, `HOST:PORT`. Default none. */
        ws: hostPort.nullable().default(null),
        /** WebSocket upgrade path. Default `/`. */
        wsPath: z.string().startsWith('/').default('/'),
        /** Admin HTTP listener, `HOST:PORT`. Default none. */
        admin: hostPort.nullable().default(null),
      })
      .strict()
      .refine((l) => l.grpc !== null || l.ws !== null, 'at least one of grpc or ws must be set'),
    upstreams: z.object({ legacy: upstreamUrl, next: upstreamUrl }).strict(),
    tls: z
      .object({
        /** TLS on the gRPC and WebSocket listeners. Default none (plaintext). */
        listen: LISTEN_TLS_SCHEMA.nullable().default(null),
        /** TLS on the admin HTTP listener (HTTPS; with `clientCa`, client certificates required). Default none (plaintext). */
        admin: LISTEN_TLS_SCHEMA.nullable().default(null),
        /** Per upstream: CA, client certificate, server name for its `grpcs://` / `wss://` URL. Default none (system roots, no client certificate). */
        upstreams: z.object({ legacy: UPSTREAM_TLS_SCHEMA.nullable().default(null), next: UPSTREAM_TLS_SCHEMA.nullable().default(null) }).strict().prefault({}),
      })
      .strict()
      .prefault({}),
    limits: LIMITS_SCHEMA.prefault({}),
    routing: z
      .object({
        /** Splits used until (or unless) the control DB has one for the target: basis points 0–10000 per class. */
        splitBp: z.record(z.string().regex(/^[a-z][a-z0-9_-]*$/), bp).default({}),
        /** Default sticky key for every method. Default none (calls spread by a per-call hash). */
        sticky: STICKY_SCHEMA.nullable().default(null),
        /** Metadata key that forces a route (`legacy` or `next`); null disables it. Default `x-switchyard-route`. */
        overrideHeader: z.string().min(1).toLowerCase().nullable().default(DEFAULT_OVERRIDE_HEADER),
        /** When set, streams whose route a split change moved are ended UNAVAILABLE after this grace, ms. Default null (streams stay). */
        drainGraceMs: z.number().int().min(0).nullable().default(null),
      })
      .strict()
      .prefault({}),
    methods: z
      .object({
        /** Method patterns in the `reads` class. */
        reads: z.array(z.string().min(1)).default([]),
        /** Method patterns in the `writes` class. */
        writes: z.array(z.string().min(1)).default([]),
        /** Class of methods listed in neither. Default `default`. */
        defaultClass: z.string().regex(/^[a-z][a-z0-9_-]*$/).default('default'),
        /** Per-method overrides, later entries win. */
        overrides: z.array(METHOD_OVERRIDE_SCHEMA).default([]),
      })
      .strict()
      .prefault({}),
    shadow: z
      .object({
        sampleRate: z.number().min(0).max(1).default(0),
        safeToRepeat: z.boolean().default(false),
        ignoreFields: z.array(z.string().min(1)).default([]),
        noiseFilter: z.boolean().default(false),
        timeoutMs: z.number().int().positive().default(2_000),
        maxInFlight: z.number().int().positive().default(1_000),
        /** Bytes of responses a shadowed call may hold for comparison; past it the shadow is dropped. Default 1 MiB. */
        maxBufferedBytes: z.number().int().positive().default(1024 * 1024),
      })
      .strict()
      .prefault({}),
    /** Write capture (see capture-config.ts). Default none. */
    capture: CAPTURE_CONFIG_SCHEMA.prefault({}),
    control: z
      .object({
        /** Control database URL. Default none: splits come from `routing.splitBp` and PUT /split only. */
        url: z.string().min(1).nullable().default(null),
        pollIntervalMs: z.number().int().positive().default(DEFAULT_POLL_INTERVAL_MS),
        /** LISTEN for split changes on PostgreSQL. Default true. */
        listen: z.boolean().default(true),
        snapshotIntervalMs: z.number().int().positive().default(DEFAULT_SNAPSHOT_INTERVAL_MS),
        /** Mismatch samples stored per interval at most. Default 20. */
        maxMismatchSamplesPerInterval: z.number().int().min(0).default(20),
      })
      .strict()
      .prefault({}),
    admin: z
      .object({
        /** Bearer token for admin writes (PUT /split). Default none: admin writes disabled. */
        token: z.string().min(16, 'admin token must be at least 16 characters').nullable().default(null),
      })
      .strict()
      .prefault({}),
    /** Heartbeats on the listeners and upstream connections (a peer that misses one is dropped). Default: the engines' (10 s interval, 5 s timeout). */
    heartbeat: z.object({ intervalMs: z.number().int().min(0).optional(), timeoutMs: z.number().int().positive().optional() }).strict().nullable().default(null),
    /** In-flight calls get this long to finish on shutdown, ms. Default 10 000. */
    shutdownGraceMs: z.number().int().min(0).default(DEFAULT_SHUTDOWN_GRACE_MS),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.tls.admin !== null && c.listen.admin === null) ctx.addIssue({ code: 'custom', path: ['tls', 'admin'], message: 'TLS settings for the admin listener, but listen.admin is not set' });
    for (const name of ['legacy', 'next'] as const) {
      if (c.tls.upstreams[name] !== null && !/^(grpcs|wss):/.test(c.upstreams[name])) {
        ctx.addIssue({ code: 'custom', path: ['tls', 'upstreams', name], message: `TLS settings for a plaintext upstream (${c.upstreams[name].split(':')[0]}://); use grpcs:// or wss://` });
      }
    }
  });

/** What a caller passes (defaults optional). */
export type ProxyConfigInput = z.input<typeof PROXY_CONFIG_SCHEMA>;
/** The validated, defaulted, frozen configuration. */
export type ProxyConfig = Readonly<z.output<typeof PROXY_CONFIG_SCHEMA>>;
/** Where a sticky key comes from. */
export type StickyKeySpec = z.output<typeof STICKY_SCHEMA>;
/** Per-method shadow settings. */
export type ShadowMethodSettings = z.output<typeof SHADOW_METHOD_SCHEMA>;
/** TLS of the listeners. */
export type ListenTlsConfig = z.output<typeof LISTEN_TLS_SCHEMA>;
/** TLS towards one upstream. */
export type UpstreamTlsConfig = z.output<typeof UPSTREAM_TLS_SCHEMA>;

/**
 * Validates a proxy configuration and fills defaults. Throws PROXY_CONFIG_INVALID naming
 * every bad field by path (`routing.splitBp.reads: ...`).
 */
export function parseProxyConfig(input: unknown): ProxyConfig {
  const r = PROXY_CONFIG_SCHEMA.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw fail('PROXY_CONFIG_INVALID', `invalid proxy configuration: ${lines.join('; ')}`, { details: { issues: lines } });
  }
  return deepFreeze(r.data);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Splits `HOST:PORT` (IPv6 in brackets allowed). */
export function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(i + 1)) };
}
