/**
 * The gRPC transport engine on @grpc/grpc-js. Message bytes pass through untouched (identity
 * serializers); use it where grpc-js's own HTTP/2 stack, channel options and TLS handling are
 * wanted. The faster native engine is in `../grpc/`.
 */
export { createGrpcJsServer, DEFAULT_SHUTDOWN_GRACE_MS } from './server.js';
export { createGrpcJsClient } from './client.js';
export type { GrpcJsClientOptions, GrpcJsServerOptions, RawChannelOptions } from './options.js';
