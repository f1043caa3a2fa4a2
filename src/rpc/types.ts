/**
 * Types of the high-level RPC API: handler signatures per call kind, the call context
 * handlers get, and what client methods return.
 */
import type { Metadata, MetadataValue } from '../transport/metadata.js';
import type { Status } from '../transport/status.js';
import type { TransportName } from '../transport/transport.js';

/** A decoded message: a plain object in the proto3 JSON shape (defaults filled in), or bytes in raw mode. */
export type Message = Record<string, unknown>;

/** Metadata given as a {@link Metadata} or a plain record (`-bin` keys take `Uint8Array`s). */
export type MetadataInit = Metadata | Record<string, MetadataValue | MetadataValue[]>;

/** What a handler knows about its call and can do besides returning messages. */
export interface CallContext {
  /** `/package.Service/Method`. */
  readonly method: string;
  /** Request metadata. */
  readonly metadata: Metadata;
  /** Absolute deadline, epoch ms, when the client set one. */
  readonly deadline: number | undefined;
  /** Aborted when the call ends early (client cancel, deadline, lost connection, shutdown). */
  readonly signal: AbortSignal;
  /** Remote address, `host:port`. */
  readonly peer: string;
  /** The transport that carried the call. */
  readonly transport: TransportName;
  /** Sends response headers now (optional; at most once, before the first response). */
  sendHeaders(headers: MetadataInit): void;
  /** Sets the trailers sent with the status (replaces earlier ones); also sent with an error status. */
  setTrailers(trailers: MetadataInit): void;
}

/** A stream of messages a handler reads or a client iterates. */
export type MessageStream<T> = AsyncIterable<T>;

/** Unary: one request, one reply. Throw a SwitchyardError to set the status. */
export type UnaryHandler<Req = Message, Res = Message> = (request: Req, ctx: CallContext) => Res | Promise<Res>;
/** Server-streaming: one request; yield replies (an async generator, or return any (async) iterable). */
export type ServerStreamHandler<Req = Message, Res = Message> = (request: Req, ctx: CallContext) => AsyncIterable<Res> | Iterable<Res>;
/** Client-streaming: iterate the requests, return one reply. */
export type ClientStreamHandler<Req = Message, Res = Message> = (requests: MessageStream<Req>, ctx: CallContext) => Res | Promise<Res>;
/** Bidirectional: iterate the requests and yield replies, in any interleaving. */
export type BidiHandler<Req = Message, Res = Message> = (requests: MessageStream<Req>, ctx: CallContext) => AsyncIterable<Res> | Iterable<Res>;

/**
 * Any handler; the method's kind in the schema decides how it is called: the first argument
 * is the request (unary, server-streaming) or the request stream (client-streaming, bidi),
 * and the result a reply or a promise of one, or an (async) iterable of replies. One
 * signature (not a union) so that inline handlers get `ctx` typed; annotate the request with
 * {@link UnaryHandler} and friends for precise types.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type MethodHandler = (input: any, ctx: CallContext) => unknown;

/** Handlers of one service, by method name as written in the `.proto`. */
export type ServiceHandlers = Record<string, MethodHandler>;

/** Per-call options of a client method. */
export interface RpcCallOptions {
  /** Request metadata. Default: none. */
  metadata?: MetadataInit;
  /** Time allowed for the whole call, ms (becomes the deadline). Default: none. */
  timeoutMs?: number;
  /** Absolute deadline (epoch ms or a Date); wins over `timeoutMs`. Default: none. */
  deadline?: number | Date;
  /** Aborting it cancels the call (CANCELLED on both ends). */
  signal?: AbortSignal;
}

/** What every client call exposes besides its messages. */
export interface CallInfo {
  /** Response headers; resolves with empty metadata when the call ends without any. Never rejects. */
  readonly headers: Promise<Metadata>;
  /** The end status (code, message, details, trailers), whatever the code. Never rejects. */
  readonly status: Promise<Status>;
  /** Cancels the call (no effect once it ended). */
  cancel(reason?: string): void;
}

/** A unary or client-streaming call: a promise of the reply (rejects with a SwitchyardError on a non-OK status). */
export type ReplyCall<T> = Promise<T> & CallInfo;

/** A server-streaming or bidi call: iterate the replies; the loop throws a SwitchyardError on a non-OK status. Breaking out cancels the call. */
export interface StreamCall<T> extends AsyncIterable<T>, CallInfo {}

/** Requests a client-streaming or bidi method takes. Pulled only as fast as the transport takes them. */
export type RequestStream<T> = AsyncIterable<T> | Iterable<T>;

/** Typed client method shapes, for declaring a service's client interface. */
export type UnaryMethod<Req = Message, Res = Message> = (request: Req, options?: RpcCallOptions) => ReplyCall<Res>;
/** See {@link UnaryMethod}. */
export type ServerStreamMethod<Req = Message, Res = Message> = (request: Req, options?: RpcCallOptions) => StreamCall<Res>;
/** See {@link UnaryMethod}. */
export type ClientStreamMethod<Req = Message, Res = Message> = (requests: RequestStream<Req>, options?: RpcCallOptions) => ReplyCall<Res>;
/** See {@link UnaryMethod}. */
export type BidiMethod<Req = Message, Res = Message> = (requests: RequestStream<Req>, options?: RpcCallOptions) => StreamCall<Res>;

/** A client with no declared types: every method takes a request or a request stream. */
export type GenericClient = Record<
  string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (request: any, options?: RpcCallOptions) => any
>;
