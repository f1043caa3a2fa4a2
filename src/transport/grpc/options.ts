/**
 * Options of the native gRPC engine, validated once at the edge and frozen.
 */
import { fail } from '../../errors.js';
import { silentLogger, type Logger } from '../../observability/logger.js';
import { DEFAULT_BACKOFF, type BackoffOptions, type HeartbeatOptions } from '../lifecycle.js';
import {
  DEFAULT_MAX_CONCURRENT_STREAMS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_MESSAGE_BYTES,
  type CallHandler,
  type ClientTlsOptions,
  type CommonClientOptions,
  type CommonServerOptions,
  type MethodInfo,
  type ServerTlsOptions,
} from '../transport.js';
import { DEFAULT_WRITE_HIGH_WATER_MARK } from './frame-writer.js';
import { heartbeatSettings } from './keepalive.js';

/** Default grace period of `shutdown()` when called without one, ms. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 5_000;
/** Default HTTP/2 connection-level flow-control window, bytes. */
export const DEFAULT_CONNECTION_WINDOW_BYTES = 1024 * 1024;
/** Default time a connection attempt may take, ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;

/** Options of {@link createGrpcServer}. */
export interface GrpcServerOptions extends CommonServerOptions {
  /** Bytes buffered per stream before `write()` returns false. Default 64 KiB. */
  writeHighWaterMark?: number;
  /** HTTP/2 initial flow-control window per stream, bytes. Default 65_535 (the HTTP/2 default). */
  initialWindowBytes?: number;
  /** HTTP/2 flow-control window of a whole connection, bytes (shared by its streams). Default 1 MiB. */
  connectionWindowBytes?: number;
  /** Grace period of `shutdown()` called without one, ms. Default 5_000. */
  shutdownGraceMs?: number;
}

/** Options of {@link createGrpcClient}. */
export interface GrpcClientOptions extends CommonClientOptions {
  /** Bytes buffered per stream before `write()` returns false. Default 64 KiB. */
  writeHighWaterMark?: number;
  /** HTTP/2 initial flow-control window per stream, bytes. Default 65_535 (the HTTP/2 default). */
  initialWindowBytes?: number;
  /** HTTP/2 flow-control window of a whole connection, bytes (shared by its streams). Default 1 MiB. */
  connectionWindowBytes?: number;
  /** How long one connection attempt may take, ms. Default 20_000. */
  connectTimeoutMs?: number;
  /** `:authority` sent with each call. Default: the address's `host:port`. */
  authority?: string;
}

/** Server options after validation. */
export interface ServerSettings {
  readonly host: string;
  readonly port: number;
  readonly methods: ReadonlyMap<string, MethodInfo>;
  readonly handler: CallHandler;
  readonly maxMessageBytes: number;
  readonly maxConcurrentStreams: number;
  readonly maxConnections: number;
  readonly heartbeat: Required<HeartbeatOptions>;
  readonly tls: ServerTlsOptions | undefined;
  readonly logger: Logger;
  readonly writeHighWaterMark: number;
  readonly initialWindowBytes: number;
  readonly connectionWindowBytes: number;
  readonly shutdownGraceMs: number;
}

/** Client options after validation. */
export interface ClientSettings {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly authority: string;
  readonly maxMessageBytes: number;
  readonly heartbeat: Required<HeartbeatOptions>;
  readonly backoff: Required<BackoffOptions>;
  readonly tls: ClientTlsOptions | undefined;
  readonly logger: Logger;
  readonly writeHighWaterMark: number;
  readonly initialWindowBytes: number;
  readonly connectionWindowBytes: number;
  readonly connectTimeoutMs: number;
}

function positiveInt(name: string, value: number | undefined, fallback: number, min = 1): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) throw fail('INVALID_ARGUMENT', `gRPC option ${name} must be an integer >= ${min} (got ${String(value)})`);
  return v;
}

function heartbeat(options: HeartbeatOptions | undefined): Required<HeartbeatOptions> {
  try {
    return heartbeatSettings(options);
  } catch (err) {
    throw fail('INVALID_ARGUMENT', `gRPC option ${(err as Error).message}`);
  }
}

/** Validates server options and fills defaults. */
export function parseServerOptions(o: GrpcServerOptions): ServerSettings {
  const methods = new Map<string, MethodInfo>();
  for (const m of o.methods) methods.set(m.path, m);
  if (typeof o.handler !== 'function') throw fail('INVALID_ARGUMENT', 'gRPC server option handler must be a function');
  return Object.freeze({
    host: o.host ?? '127.0.0.1',
    port: positiveInt('port', o.port, 0, 0),
    methods,
    handler: o.handler,
    maxMessageBytes: positiveInt('maxMessageBytes', o.maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES),
    maxConcurrentStreams: positiveInt('maxConcurrentStreams', o.maxConcurrentStreams, DEFAULT_MAX_CONCURRENT_STREAMS),
    maxConnections: positiveInt('maxConnections', o.maxConnections, DEFAULT_MAX_CONNECTIONS),
    heartbeat: heartbeat(o.heartbeat),
    tls: o.tls,
    logger: o.logger ?? silentLogger,
    writeHighWaterMark: positiveInt('writeHighWaterMark', o.writeHighWaterMark, DEFAULT_WRITE_HIGH_WATER_MARK),
    initialWindowBytes: positiveInt('initialWindowBytes', o.initialWindowBytes, 65_535),
    connectionWindowBytes: positiveInt('connectionWindowBytes', o.connectionWindowBytes, DEFAULT_CONNECTION_WINDOW_BYTES, 65_535),
    shutdownGraceMs: positiveInt('shutdownGraceMs', o.shutdownGraceMs, DEFAULT_SHUTDOWN_GRACE_MS, 0),
  });
}

/** Splits `host:port`, `[v6]:port` or a `grpc://` / `grpcs://` / `http(s)://` URL. */
export function parseAddress(address: string): { host: string; port: number; secure: boolean | undefined } {
  const m = /^(?:(grpcs?|https?|dns):\/\/\/?)?(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/.exec(address.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port > 0 && port < 65536)) {
    throw fail('TRANSPORT_BAD_ADDRESS', `gRPC address "${address}" is not host:port or grpc://host:port`, { hint: 'examples: 127.0.0.1:50051, grpcs://api.example.com:443' });
  }
  const scheme = m[1];
  const secure = scheme === 'grpcs' || scheme === 'https' ? true : scheme === 'grpc' || scheme === 'http' ? false : undefined;
  return { host: m[2]!.replace(/^\[|\]$/g, ''), port, secure };
}

/** Validates client options and fills defaults. */
export function parseClientOptions(o: GrpcClientOptions): ClientSettings {
  const addr = parseAddress(o.address);
  const secure = addr.secure ?? o.tls !== undefined;
  const hostPart = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
  return Object.freeze({
    host: addr.host,
    port: addr.port,
    secure,
    authority: o.authority ?? `${hostPart}:${addr.port}`,
    maxMessageBytes: positiveInt('maxMessageBytes', o.maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES),
    heartbeat: heartbeat(o.heartbeat),
    backoff: Object.freeze({ ...DEFAULT_BACKOFF, ...o.backoff }),
    tls: o.tls,
    logger: o.logger ?? silentLogger,
    writeHighWaterMark: positiveInt('writeHighWaterMark', o.writeHighWaterMark, DEFAULT_WRITE_HIGH_WATER_MARK),
    initialWindowBytes: positiveInt('initialWindowBytes', o.initialWindowBytes, 65_535),
    connectionWindowBytes: positiveInt('connectionWindowBytes', o.connectionWindowBytes, DEFAULT_CONNECTION_WINDOW_BYTES, 65_535),
    connectTimeoutMs: positiveInt('connectTimeoutMs', o.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
  });
}
