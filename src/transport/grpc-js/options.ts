/**
 * Options of the @grpc/grpc-js engine and their translation into grpc-js channel options.
 * Validated once here; the server and client trust what this returns.
 */
import {
  DEFAULT_MAX_CONCURRENT_STREAMS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_MESSAGE_BYTES,
  type CommonClientOptions,
  type CommonServerOptions,
} from '../transport.js';
import { DEFAULT_BACKOFF, DEFAULT_HEARTBEAT, type BackoffOptions, type HeartbeatOptions } from '../lifecycle.js';
import { fail } from '../../errors.js';

/** grpc-js channel options (`grpc.*` keys); only numbers and strings. */
export type RawChannelOptions = Record<string, string | number>;

/** Options of {@link createGrpcJsServer}. */
export interface GrpcJsServerOptions extends CommonServerOptions {
  /**
   * Extra grpc-js server options (`grpc.*` keys), applied last, for settings this API does not
   * name. Default: none.
   */
  channelOptions?: RawChannelOptions;
}

/** Options of {@link createGrpcJsClient}. */
export interface GrpcJsClientOptions extends CommonClientOptions {
  /**
   * Extra grpc-js channel options (`grpc.*` keys), applied last. Default: none.
   */
  channelOptions?: RawChannelOptions;
}

/** Server options after validation, with defaults filled in. */
export interface ResolvedServerOptions {
  host: string;
  port: number;
  maxMessageBytes: number;
  maxConcurrentStreams: number;
  maxConnections: number;
  heartbeat: Required<HeartbeatOptions>;
  channelOptions: RawChannelOptions;
}

/** Client options after validation, with defaults filled in. */
export interface ResolvedClientOptions {
  /** `host:port` for grpc-js. */
  target: string;
  /** True for `grpcs://` or when `tls` is given. */
  secure: boolean;
  maxMessageBytes: number;
  heartbeat: Required<HeartbeatOptions>;
  backoff: Required<BackoffOptions>;
  channelOptions: RawChannelOptions;
}

function positive(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) throw fail('INVALID_ARGUMENT', `grpc-js option ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}`);
  return v;
}

function heartbeat(h: HeartbeatOptions | undefined): Required<HeartbeatOptions> {
  return {
    intervalMs: positive('heartbeat.intervalMs', h?.intervalMs, DEFAULT_HEARTBEAT.intervalMs, true),
    timeoutMs: positive('heartbeat.timeoutMs', h?.timeoutMs, DEFAULT_HEARTBEAT.timeoutMs),
  };
}

/** Validates server options and fills defaults. */
export function resolveServerOptions(o: GrpcJsServerOptions): ResolvedServerOptions {
  return Object.freeze({
    host: o.host ?? '127.0.0.1',
    port: positive('port', o.port, 0, true),
    maxMessageBytes: positive('maxMessageBytes', o.maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES),
    maxConcurrentStreams: positive('maxConcurrentStreams', o.maxConcurrentStreams, DEFAULT_MAX_CONCURRENT_STREAMS),
    maxConnections: positive('maxConnections', o.maxConnections, DEFAULT_MAX_CONNECTIONS),
    heartbeat: heartbeat(o.heartbeat),
    channelOptions: { ...o.channelOptions },
  });
}

/** Splits `grpc://h:p`, `grpcs://h:p` or `h:p` into a grpc-js target and whether TLS is on. */
export function parseGrpcAddress(address: string): { target: string; secure: boolean } {
  const m = /^(grpcs?):\/\/(.+?)\/?$/.exec(address);
  const target = m ? m[2]! : address;
  if (/^[a-z]+:\/\//i.test(target) || !/:\d+$/.test(target)) {
    throw fail('INVALID_ARGUMENT', `gRPC address "${address}" must be host:port, grpc://host:port or grpcs://host:port`);
  }
  return { target, secure: m?.[1] === 'grpcs' };
}

/** Validates client options and fills defaults. */
export function resolveClientOptions(o: GrpcJsClientOptions): ResolvedClientOptions {
  const { target, secure } = parseGrpcAddress(o.address);
  const backoff = { ...DEFAULT_BACKOFF, ...o.backoff };
  positive('backoff.initialMs', backoff.initialMs, 1);
  positive('backoff.maxMs', backoff.maxMs, 1);
  return Object.freeze({
    target,
    secure: secure || o.tls !== undefined,
    maxMessageBytes: positive('maxMessageBytes', o.maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES),
    heartbeat: heartbeat(o.heartbeat),
    backoff,
    channelOptions: { ...o.channelOptions },
  });
}

/** grpc-js options for a server. */
export function serverChannelOptions(o: ResolvedServerOptions): RawChannelOptions {
  return {
    'grpc.max_receive_message_length': o.maxMessageBytes,
    'grpc.max_send_message_length': o.maxMessageBytes,
    'grpc.max_concurrent_streams': o.maxConcurrentStreams,
    ...(o.heartbeat.intervalMs > 0
      ? { 'grpc.keepalive_time_ms': o.heartbeat.intervalMs, 'grpc.keepalive_timeout_ms': o.heartbeat.timeoutMs }
      : {}),
    ...o.channelOptions,
  };
}

/** grpc-js's own reconnect delay: effectively never (see {@link clientChannelOptions}). */
const GRPC_JS_BACKOFF_MS = 3_600_000;

/** grpc-js options for a client channel. */
export function clientChannelOptions(o: ResolvedClientOptions, serverName?: string): RawChannelOptions {
  return {
    'grpc.max_receive_message_length': o.maxMessageBytes,
    'grpc.max_send_message_length': o.maxMessageBytes,
    // Reconnects are driven by the client transport (a new channel per attempt); grpc-js's own
    // backoff timer must never fire on a channel being closed, or it leaks a connection.
    'grpc.initial_reconnect_backoff_ms': GRPC_JS_BACKOFF_MS,
    'grpc.max_reconnect_backoff_ms': GRPC_JS_BACKOFF_MS,
    // Each client gets its own connection, as a WebSocket client does.
    'grpc.use_local_subchannel_pool': 1,
    'grpc.enable_retries': 0,
    ...(o.heartbeat.intervalMs > 0
      ? {
          'grpc.keepalive_time_ms': o.heartbeat.intervalMs,
          'grpc.keepalive_timeout_ms': o.heartbeat.timeoutMs,
          'grpc.keepalive_permit_without_calls': 1,
        }
      : {}),
    ...(serverName ? { 'grpc.ssl_target_name_override': serverName, 'grpc.default_authority': serverName } : {}),
    ...o.channelOptions,
  };
}
