/**
 * What the proxy needs from the transport engines: listeners for its clients, clients for
 * its upstreams, and (on gRPC) the standard health and reflection services. The real
 * engines are wired in `engines.ts`; tests may pass their own.
 */
import type { ProtoSchema } from '../schema/load.js';
import type { CallHandler, ClientTransport, CommonClientOptions, CommonServerOptions, MethodInfo, ServerTransport, TransportName } from '../transport/transport.js';

/** Extra services on the gRPC listener (health, reflection). */
export interface GrpcExtras {
  methods: MethodInfo[];
  /** Their paths, for dispatch. */
  paths: ReadonlySet<string>;
  handler: CallHandler;
  /** Flips the health status (NOT_SERVING while shutting down). */
  setServing(serving: boolean): void;
}

/** Factories for the proxy's listeners and upstream clients. */
export interface ProxyTransports {
  /** A listener for the proxy's clients; `path` is the WebSocket upgrade path, `schema` enables its JSON subprotocol. */
  createServer(transport: TransportName, options: CommonServerOptions & { path?: string; schema?: ProtoSchema }): ServerTransport;
  /** An upstream client for `grpc://`, `grpcs://`, `ws://` or `wss://` URLs. */
  createClient(url: string, options: Omit<CommonClientOptions, 'address'>): ClientTransport;
  /** Health and reflection for the gRPC listener, if the engine provides them. */
  grpcExtras?(schema: ProtoSchema): GrpcExtras | undefined;
}
