/**
 * `createClient`: calls a service of a loaded `.proto` over any transport with the same code.
 * Each method of the service becomes a function (under its `.proto` name and its
 * lowerCamelCase name): unary → promise of the reply; server-streaming → async iterable;
 * client-streaming → takes an (async) iterable, returns a promise; bidi → takes an (async)
 * iterable, returns an async iterable.
 */
import type { ProtoSchema } from '../schema/load.js';
import type { ClientTransport } from '../transport/transport.js';
import { bidiCall, clientStreamCall, serverStreamCall, unaryCall, type CallSetup } from './client-calls.js';
import { methodCodec } from './codec.js';
import { createTransport, type TransportClientOptions } from './transports.js';
import type { GenericClient, RequestStream, RpcCallOptions } from './types.js';

/** Options of {@link createClient}. */
export interface RpcClientOptions {
  /** Methods take and return `Uint8Array` protobuf bytes instead of objects. Default false. */
  raw?: boolean;
  /** Options for the transport created from an address (ignored when a transport is given). */
  transport?: TransportClientOptions;
}

/** What every client has besides its methods. */
export interface ClientControls {
  /** The transport calls go through. */
  readonly transport: ClientTransport;
  /** Closes the transport if this client created it from an address; calls still open end UNAVAILABLE. */
  close(): Promise<void>;
}

/**
 * Creates a client for `service` (`package.Service`). `target` is a transport (shared, not
 * closed by the client) or an address (`grpc://`, `grpcs://`, `ws://`, `wss://`), for which
 * the client creates and owns a transport. Pass a type for typed methods:
 * `createClient<ChatClient>(schema, 'chat.ChatService', 'ws://127.0.0.1:8080')`.
 */
export function createClient<T extends object = GenericClient>(
  schema: ProtoSchema,
  service: string,
  target: ClientTransport | string,
  options: RpcClientOptions = {},
): T & ClientControls {
  const svc = schema.service(service);
  const owned = typeof target === 'string';
  const transport = typeof target === 'string' ? createTransport(target, options.transport) : target;
  const client: Record<string, unknown> = {};
  for (const method of svc.methods) {
    const codec = methodCodec(method, options.raw ?? false);
    const setup = (o: RpcCallOptions = {}): CallSetup => ({
      transport,
      method: { path: method.path, kind: method.kind },
      decodeResponse: codec.decodeResponse,
      encodeRequest: codec.encodeRequest,
      options: o,
    });
    const fn =
      method.kind === 'unary'
        ? (req: unknown, o?: RpcCallOptions) => unaryCall(setup(o), req)
        : method.kind === 'server-stream'
          ? (req: unknown, o?: RpcCallOptions) => serverStreamCall(setup(o), req)
          : method.kind === 'client-stream'
            ? (reqs: RequestStream<unknown>, o?: RpcCallOptions) => clientStreamCall(setup(o), reqs)
            : (reqs: RequestStream<unknown>, o?: RpcCallOptions) => bidiCall(setup(o), reqs);
    client[method.name] = fn;
    const camel = method.name.charAt(0).toLowerCase() + method.name.slice(1);
    if (!(camel in client) && camel !== 'close' && camel !== 'transport') client[camel] = fn;
  }
  Object.defineProperty(client, 'transport', { value: transport, enumerable: false });
  Object.defineProperty(client, 'close', {
    enumerable: false,
    value: async (): Promise<void> => {
      if (owned) await transport.close();
    },
  });
  return client as T & ClientControls;
}
