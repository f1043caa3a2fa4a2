/** Options of the WebSocket server and client, validated once at the edge and frozen. */
import type http from 'node:http';
import type https from 'node:https';
import { fail } from '../../errors.js';
import { silentLogger, type Logger } from '../../observability/logger.js';
import type { ProtoSchema } from '../../schema/load.js';
import { DEFAULT_BACKOFF, DEFAULT_HEARTBEAT, type BackoffOptions, type HeartbeatOptions } from '../lifecycle.js';
import { DEFAULT_MAX_CONCURRENT_STREAMS, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_MESSAGE_BYTES, type CommonClientOptions, type CommonServerOptions, type MethodInfo } from '../transport.js';
import { MAX_WINDOW } from './frames.js';

/** Default credit per stream in the binary subprotocol: 256 KiB. */
export const DEFAULT_INITIAL_WINDOW_BYTES = 256 * 1024;
/** Default credit per stream in the JSON subprotocol: 100 messages. */
export const DEFAULT_INITIAL_WINDOW_MESSAGES = 100;
/** Default socket send-buffer high-water mark: 1 MiB. */
export const DEFAULT_SOCKET_HIGH_WATER_BYTES = 1024 * 1024;

/** Options of {@link createWsServer}. */
export interface WsServerOptions extends CommonServerOptions {
  /**
   * Serve WebSocket upgrades of this existing HTTP(S) server instead of creating one;
   * `host`, `port` and `tls` are then ignored and the caller owns the server. Default: none.
   */
  httpServer?: http.Server | https.Server;
  /** URL path upgrades must use; others get HTTP 404. Default: any path. */
  path?: string;
  /**
   * Allowed `Origin` values (exact, e.g. `https://app.example.com`). A request with another
   * Origin is refused with HTTP 403. Requests without an Origin (non-browser clients) pass.
   * Default: every origin.
   */
  allowedOrigins?: readonly string[];
  /** The loaded `.proto` schema; enables the JSON subprotocol. Default: none (binary only). */
  schema?: ProtoSchema;
  /** Credit granted to the client per stream, bytes (binary subprotocol). Default 256 KiB. */
  initialWindowBytes?: number;
  /** Credit granted to a JSON client per stream, messages. Default 100. */
  initialWindowMessages?: number;
  /** Send buffer per connection above which `write()` returns false, bytes. Default 1 MiB. */
  socketHighWaterBytes?: number;
  /** Time a closing handshake may take before the socket is dropped, ms. Default 2000. */
  closeTimeoutMs?: number;
  /** Grace period of `shutdown()` when called without one, ms. Default 10_000. */
  defaultGraceMs?: number;
}

/** A WHATWG-style WebSocket constructor (the browser's, or the `ws` package's). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[], options?: never) => unknown;

/** Options of {@link createWsClient}. */
export interface WsClientOptions extends CommonClientOptions {
  /**
   * The WebSocket class. Default: the `ws` package's in Node, `globalThis.WebSocket` in a
   * browser. Any WHATWG-style WebSocket works.
   */
  WebSocket?: WebSocketConstructor;
  /** URL path when `address` is `host:port`. Default `/`. */
  path?: string;
  /** Credit granted to the server per stream, bytes. Default 256 KiB. */
  initialWindowBytes?: number;
  /** Time to open the socket and receive the server's SETTINGS, ms. Default 20_000. */
  connectTimeoutMs?: number;
  /** Send buffer above which `write()` returns false, bytes. Default 1 MiB. */
  socketHighWaterBytes?: number;
  /** Time a closing handshake may take before the socket is dropped, ms. Default 2000. */
  closeTimeoutMs?: number;
  /**
   * Extra options for the `ws` package's constructor (Node only; e.g. `headers`, `origin`).
   * Ignored for other WebSocket classes. Default: none.
   */
  wsOptions?: Record<string, unknown>;
}

/** Server options with every default filled in. */
export interface ParsedServerOptions {
  host: string;
  port: number;
  methods: ReadonlyMap<string, MethodInfo>;
  maxMessageBytes: number;
  maxConcurrentStreams: number;
  maxConnections: number;
  heartbeat: Required<HeartbeatOptions>;
  initialWindowBytes: number;
  initialWindowMessages: number;
  socketHighWaterBytes: number;
  closeTimeoutMs: number;
  defaultGraceMs: number;
  allowedOrigins: ReadonlySet<string> | undefined;
  path: string | undefined;
  logger: Logger;
}

/** Client options with every default filled in. */
export interface ParsedClientOptions {
  url: string;
  maxMessageBytes: number;
  heartbeat: Required<HeartbeatOptions>;
  backoff: Required<BackoffOptions>;
  initialWindowBytes: number;
  connectTimeoutMs: number;
  socketHighWaterBytes: number;
  closeTimeoutMs: number;
  logger: Logger;
}

function positiveInt(value: number | undefined, fallback: number, field: string, max = Number.MAX_SAFE_INTEGER, min = 1): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) throw fail('INVALID_ARGUMENT', `${field} must be an integer in ${min}..${max}, got ${String(value)}`);
  return v;
}

function heartbeatOf(h: HeartbeatOptions | undefined, where: string): Required<HeartbeatOptions> {
  return Object.freeze({
    intervalMs: positiveInt(h?.intervalMs, DEFAULT_HEARTBEAT.intervalMs, `${where}.heartbeat.intervalMs`, 2 ** 31 - 1, 0),
    timeoutMs: positiveInt(h?.timeoutMs, DEFAULT_HEARTBEAT.timeoutMs, `${where}.heartbeat.timeoutMs`, 2 ** 31 - 1),
  });
}

/** Validates server options (throws INVALID_ARGUMENT naming the field). */
export function parseServerOptions(o: WsServerOptions): Readonly<ParsedServerOptions> {
  const methods = new Map<string, MethodInfo>();
  for (const m of o.methods) methods.set(m.path, m);
  if (typeof o.handler !== 'function') throw fail('INVALID_ARGUMENT', 'ws server: handler must be a function');
  if (o.path !== undefined && !o.path.startsWith('/')) throw fail('INVALID_ARGUMENT', `ws server: path must start with "/", got "${o.path}"`);
  return Object.freeze({
    host: o.host ?? '127.0.0.1',
    port: positiveInt(o.port, 0, 'ws server: port', 65_535, 0),
    methods,
    maxMessageBytes: positiveInt(o.maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES, 'ws server: maxMessageBytes', 0xffff_ffff - 65_536),
    maxConcurrentStreams: positiveInt(o.maxConcurrentStreams, DEFAULT_MAX_CONCURRENT_STREAMS, 'ws server: maxConcurrentStreams', 0xffff_ffff),
    maxConnections: positiveInt(o.maxConnections, DEFAULT_MAX_CONNECTIONS, 'ws server: maxConnections'),
    heartbeat: heartbeatOf(o.heartbeat, 'ws server'),
    initialWindowBytes: positiveInt(o.initialWindowBytes, DEFAULT_INITIAL_WINDOW_BYTES, 'ws server: initialWindowBytes', MAX_WINDOW),
    initialWindowMessages: positiveInt(o.initialWindowMessages, DEFAULT_INITIAL_WINDOW_MESSAGES, 'ws server: initialWindowMessages', MAX_WINDOW),
    socketHighWaterBytes: positiveInt(o.socketHighWaterBytes, DEFAULT_SOCKET_HIGH_WATER_BYTES, 'ws server: socketHighWaterBytes'),
    closeTimeoutMs: positiveInt(o.closeTimeoutMs, 2000, 'ws server: closeTimeoutMs'),
    defaultGraceMs: positiveInt(o.defaultGraceMs, 10_000, 'ws server: defaultGraceMs', 2 ** 31 - 1, 0),
    allowedOrigins: o.allowedOrigins ? new Set(o.allowedOrigins) : undefined,
    path: o.path,
    logger: o.logger ?? silentLogger,
  });
}

/** `host:port` → `ws://host:port/path`; `ws://` and `wss://` URLs are kept. */
export function clientUrl(address: string, path = '/', tls = false): string {
  if (/^wss?:\/\//i.test(address)) return address;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(address)) throw fail('TRANSPORT_BAD_ADDRESS', `ws client: address "${address}" must be host:port or a ws:// or wss:// URL`);
  if (!/^(\[[0-9a-f:.]+\]|[^:/\s]+):\d{1,5}$/i.test(address)) throw fail('TRANSPORT_BAD_ADDRESS', `ws client: address "${address}" must be host:port or a ws:// or wss:// URL`);
  return `${tls ? 'wss' : 'ws'}://${address}${path.startsWith('/') ? path : `/${path}`}`;
}

/** Validates client options (throws INVALID_ARGUMENT naming the field). */
export function parseClientOptions(o: WsClientOptions): Readonly<ParsedClientOptions> {
  const backoff = { ...DEFAULT_BACKOFF, ...o.backoff };
  positiveInt(backoff.initialMs, 0, 'ws client: backoff.initialMs', 2 ** 31 - 1);
  positiveInt(backoff.maxMs, 0, 'ws client: backoff.maxMs', 2 ** 31 - 1);
  if (!(backoff.multiplier >= 1)) throw fail('INVALID_ARGUMENT', `ws client: backoff.multiplier must be at least 1, got ${backoff.multiplier}`);
  return Object.freeze({
    url: clientUrl(o.address, o.path, Boolean(o.tls)),
    maxMessageBytes: positiveInt(o.maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES, 'ws client: maxMessageBytes', 0xffff_ffff - 65_536),
    heartbeat: heartbeatOf(o.heartbeat, 'ws client'),
    backoff: Object.freeze(backoff),
    initialWindowBytes: positiveInt(o.initialWindowBytes, DEFAULT_INITIAL_WINDOW_BYTES, 'ws client: initialWindowBytes', MAX_WINDOW),
    connectTimeoutMs: positiveInt(o.connectTimeoutMs, 20_000, 'ws client: connectTimeoutMs'),
    socketHighWaterBytes: positiveInt(o.socketHighWaterBytes, DEFAULT_SOCKET_HIGH_WATER_BYTES, 'ws client: socketHighWaterBytes'),
    closeTimeoutMs: positiveInt(o.closeTimeoutMs, 2000, 'ws client: closeTimeoutMs'),
    logger: o.logger ?? silentLogger,
  });
}
