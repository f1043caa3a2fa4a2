/** The high-level RPC API: serve and call `.proto` services over gRPC and WebSocket with the same code. */
export { createServer } from './server.js';
export type { BoundAddress, GrpcListenOptions, ListenOptions, RpcServer, RpcServerOptions, ServiceOptions } from './server.js';
export { createClient } from './client.js';
export type { ClientControls, RpcClientOptions } from './client.js';
export { createTransport, addressScheme, DEFAULT_GRPC_ENGINE } from './transports.js';
export type { GrpcEngine, TransportClientOptions } from './transports.js';
export type * from './types.js';
