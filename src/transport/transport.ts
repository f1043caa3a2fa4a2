/**
 * The transport interface: one view of an RPC for both gRPC and WebSocket.
 *
 * Messages are opaque `Uint8Array`s (protobuf bytes); the transport never decodes them.
 * Both sides are push-based with explicit backpressure, which keeps the proxy's hot path
 * free of per-message promises:
 * - `write()` returns `false` once the peer's window or the socket's buffer is full; wait for
 *   the listener's `onDrain` before writing more (writes past that are still queued, but
 *   memory then grows with them).
 * - `pause()` stops delivering messages (and, on WebSocket, stops granting the peer credit;
 *   on gRPC, stops reading the HTTP/2 stream), so a slow reader slows the writer.
 * The async-iterable API in `src/rpc/` is built on top of this.
 */
import type { CallKind, MethodInfo } from '../schema/method.js';
import type { Metadata } from './metadata.js';

export type { CallKind, MethodInfo };
import type { Status } from './status.js';
import type { ConnectionEvents, ConnectionState } from './lifecycle.js';


/** The two transports. */
export type TransportName = 'grpc' | 'ws';


/** Options when starting a call from a client. */
export interface CallOptions {
  /** Request metadata (headers). */
  metadata?: Metadata;
  /** Absolute deadline, epoch milliseconds. Default: none. */
  deadline?: number;
  /** Aborting it cancels the call (status CANCELLED on both ends). */
  signal?: AbortSignal;
}

/** Receives what the server sends on a client call. */
export interface ClientCallListener {
  /** Response headers arrived (at most once, before the first message). */
  onHeaders?(headers: Metadata): void;
  /** A response message arrived. */
  onMessage(message: Uint8Array): void;
  /** The call ended; always called exactly once, last. */
  onStatus(status: Status): void;
  /** The call can take more writes after `write()` returned false. */
  onDrain?(): void;
}

/** The client's side of one call. */
export interface ClientCall {
  /** `/package.Service/Method`. */
  readonly method: string;
  /** Sets the listener; messages that arrive before are held (within flow-control limits). */
  listen(listener: ClientCallListener): void;
  /** Sends a request message. Returns false when the caller should wait for `onDrain`. */
  write(message: Uint8Array): boolean;
  /** Half-close: no more request messages. */
  halfClose(): void;
  /** Cancels the call; the server's handler sees its signal abort. */
  cancel(reason?: string): void;
  /** Stops delivering responses (backpressure toward the server). */
  pause(): void;
  /** Resumes delivering responses. */
  resume(): void;
}

/** Receives what the client sends on a server call. */
export interface ServerCallListener {
  /** A request message arrived. */
  onMessage(message: Uint8Array): void;
  /** The client half-closed: no more requests. */
  onHalfClose?(): void;
  /** The call can take more writes after `write()` returned false. */
  onDrain?(): void;
}

/** The server's side of one call. */
export interface ServerCall {
  /** `/package.Service/Method`. */
  readonly method: string;
  /** The call shape, from the served schema. */
  readonly kind: CallKind;
  /** Request metadata (headers), without transport-internal keys. */
  readonly metadata: Metadata;
  /** Absolute deadline, epoch milliseconds, if the client set one. */
  readonly deadline: number | undefined;
  /**
   * Aborted when the call ends early: client cancel (reason code CANCELLED), deadline
   * (DEADLINE_EXCEEDED) or lost connection (UNAVAILABLE). `signal.reason` is a SwitchyardError.
   */
  readonly signal: AbortSignal;
  /** Which transport carried the call. */
  readonly transport: TransportName;
  /** Remote address, `host:port`. */
  readonly peer: string;
  /** Sets the listener; requests that arrive before are held (within flow-control limits). */
  listen(listener: ServerCallListener): void;
  /** Sends response headers; optional, at most once, before the first message. */
  sendHeaders(headers: Metadata): void;
  /** Sends a response message. Returns false when the caller should wait for `onDrain`. */
  write(message: Uint8Array): boolean;
  /** Ends the call with a status and trailers. Later calls are ignored. */
  end(status: Status): void;
  /** Stops delivering requests (backpressure toward the client). */
  pause(): void;
  /** Resumes delivering requests. */
  resume(): void;
}

/** Handles every call a server transport accepts for a known method. */
export type CallHandler = (call: ServerCall) => void;

/** A client connection (gRPC channel or WebSocket) that can start calls. */
export interface ClientTransport {
  /** Which transport this is. */
  readonly name: TransportName;
  /** The current connection state. */
  readonly state: ConnectionState;
  /** State-change events. */
  readonly events: ConnectionEvents;
  /** Starts a call. Never throws: failures arrive as a status on the listener. */
  start(method: MethodInfo, options?: CallOptions): ClientCall;
  /** Connects now instead of on the first call. Resolves when ready. */
  connect(): Promise<void>;
  /** Closes the connection; calls still open end with UNAVAILABLE. */
  close(): Promise<void>;
}

/** A listening server transport. */
export interface ServerTransport {
  /** Which transport this is. */
  readonly name: TransportName;
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(): Promise<{ host: string; port: number }>;
  /**
   * Graceful shutdown: stop accepting, tell clients to go away, let in-flight calls finish
   * for up to `graceMs`, then end the rest with UNAVAILABLE and close.
   */
  shutdown(graceMs?: number): Promise<void>;
  /** Number of calls in flight. */
  readonly activeCalls: number;
}

/** TLS material for a server. */
export interface ServerTlsOptions {
  /** PEM certificate chain. */
  cert: string | Buffer;
  /** PEM private key. */
  key: string | Buffer;
  /** PEM CA bundle to verify client certificates (mutual TLS). Default: no client certificates. */
  ca?: string | Buffer;
}

/** TLS settings for a client. */
export interface ClientTlsOptions {
  /** PEM CA bundle that signs the server's certificate. Default: the system roots. */
  ca?: string | Buffer;
  /** Client certificate for mutual TLS. */
  cert?: string | Buffer;
  /** Client key for mutual TLS. */
  key?: string | Buffer;
  /** Server name to verify. Default: the host of the address. */
  serverName?: string;
}

/** Options every server transport takes. Transport-specific options extend these. */
export interface CommonServerOptions {
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** The methods served; calls to others end UNIMPLEMENTED. */
  methods: Iterable<MethodInfo>;
  /** Receives every call to a served method. */
  handler: CallHandler;
  /** Largest message accepted or sent, bytes. Larger ends the call RESOURCE_EXHAUSTED. Default 4 MiB. */
  maxMessageBytes?: number;
  /** Concurrent calls per connection; more are refused RESOURCE_EXHAUSTED. Default 100. */
  maxConcurrentStreams?: number;
  /** Concurrent connections; more are refused. Default 10_000. */
  maxConnections?: number;
  /** Heartbeat settings; a peer that misses one is dropped and its calls end UNAVAILABLE. */
  heartbeat?: import('./lifecycle.js').HeartbeatOptions;
  /** TLS; default plaintext. */
  tls?: ServerTlsOptions;
  /** Logger; default silent. */
  logger?: import('../observability/logger.js').Logger;
}

/** Options every client transport takes. Transport-specific options extend these. */
export interface CommonClientOptions {
  /** `host:port`, or a URL (`grpc://`, `grpcs://`, `ws://`, `wss://`). */
  address: string;
  /** Largest message accepted or sent, bytes. Default 4 MiB. */
  maxMessageBytes?: number;
  /** Heartbeat settings. */
  heartbeat?: import('./lifecycle.js').HeartbeatOptions;
  /** Reconnect backoff. */
  backoff?: import('./lifecycle.js').BackoffOptions;
  /** TLS; default plaintext (or TLS for `grpcs://` / `wss://`). */
  tls?: ClientTlsOptions;
  /** Logger; default silent. */
  logger?: import('../observability/logger.js').Logger;
}

/** Default largest message size: 4 MiB, as gRPC. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Default concurrent calls per connection. */
export const DEFAULT_MAX_CONCURRENT_STREAMS = 100;
/** Default concurrent connections per server. */
export const DEFAULT_MAX_CONNECTIONS = 10_000;
