/**
 * The native gRPC engine: gRPC over HTTP/2 on `node:http2`, interoperable with
 * @grpc/grpc-js and other gRPC implementations, plus the standard health and reflection
 * services as ready-made handlers to mount next to the user's methods.
 */
export { createGrpcServer } from './server.js';
export { createGrpcClient } from './client.js';
export type { GrpcServerOptions, GrpcClientOptions } from './options.js';
export { DEFAULT_SHUTDOWN_GRACE_MS, DEFAULT_CONNECT_TIMEOUT_MS } from './options.js';
export { combineServices, loadBundledProto, type ServiceBundle } from './services.js';
export { createHealthService, type HealthService, type HealthServiceOptions, type ServingStatus } from './health.js';
export { createReflectionService, type ReflectionService } from './reflection.js';
export { buildDescriptorIndex, type DescriptorIndex } from './descriptors.js';
