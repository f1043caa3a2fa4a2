/**
 * Picks and creates a transport from an address scheme: `grpc://` and `grpcs://` (gRPC, on the
 * native engine or on @grpc/grpc-js), `ws://` and `wss://` (WebSocket).
 */
import { fail } from '../errors.js';
import { createGrpcClient, createGrpcServer } from '../transport/grpc/index.js';
import { createGrpcJsClient, createGrpcJsServer } from '../transport/grpc-js/index.js';
import type { ClientTransport, CommonClientOptions, CommonServerOptions, ServerTransport } from '../transport/transport.js';
import { createWsClient, createWsServer } from '../transport/ws/index.js';

/** The two gRPC engines: the native HTTP/2 one (fast, used by the proxy) or @grpc/grpc-js. */
export type GrpcEngine = 'native' | 'grpc-js';

/** Default gRPC engine of the RPC API. */
export const DEFAULT_GRPC_ENGINE: GrpcEngine = 'native';

/** Client options for {@link createTransport}: the common ones plus any engine-specific ones. */
export type TransportClientOptions = Omit<CommonClientOptions, 'address'> & {
  /** gRPC engine for `grpc://` / `grpcs://`. Default `'native'`. */
  grpcEngine?: GrpcEngine;
  /** Engine-specific options, passed through. */
  [option: string]: unknown;
};

type ClientFactory = (options: CommonClientOptions & Record<string, unknown>) => ClientTransport;
type ServerFactory = (options: CommonServerOptions & Record<string, unknown>) => ServerTransport;

/** Each engine's factories. */
const ENGINES: Record<'ws' | GrpcEngine, { client: ClientFactory; server: ServerFactory }> = {
  ws: { client: createWsClient, server: createWsServer },
  native: { client: createGrpcClient, server: createGrpcServer },
  'grpc-js': { client: createGrpcJsClient, server: createGrpcJsServer },
};

function engineOf(name: string): { client: ClientFactory; server: ServerFactory } {
  const e = ENGINES[name as 'ws' | GrpcEngine];
  if (!e) throw fail('INVALID_ARGUMENT', `unknown gRPC engine "${name}" (use 'native' or 'grpc-js')`);
  return e;
}

/** The transport family an address names. Throws RPC_BAD_ADDRESS for anything else. */
export function addressScheme(address: string): 'grpc' | 'ws' {
  const m = /^([a-z]+):\/\//i.exec(address);
  const scheme = m?.[1]?.toLowerCase();
  if (scheme === 'grpc' || scheme === 'grpcs') return 'grpc';
  if (scheme === 'ws' || scheme === 'wss') return 'ws';
  throw fail('RPC_BAD_ADDRESS', `address "${address}" needs a scheme: grpc://, grpcs://, ws:// or wss://`);
}

/** Creates a client transport for an address (`grpc://h:p`, `grpcs://h:p`, `ws://h:p/path`, `wss://…`). */
export function createTransport(address: string, options: TransportClientOptions = {}): ClientTransport {
  const family = addressScheme(address);
  const { grpcEngine, ...rest } = options;
  const engine = family === 'ws' ? 'ws' : (grpcEngine ?? DEFAULT_GRPC_ENGINE);
  return engineOf(engine).client({ ...rest, address });
}

/** Creates a server transport of one engine. */
export function createServerTransport(engine: 'ws' | GrpcEngine, options: CommonServerOptions & Record<string, unknown>): ServerTransport {
  return engineOf(engine).server(options);
}
