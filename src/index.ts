/**
 * switchyard's public library API: what a user imports. Each area exports its part through
 * its own `index.ts`; add a line per area here.
 */

// reconcile: cross-engine verification, repair and reports
export * from './reconcile/index.js';

// playbook: YAML playbooks validated with zod (${ENV} secrets), JSON Schema, the rollout plan, stage actions
export * from './playbook/index.js';

// rollout: the gray-release controller (persisted state machine, gates, hooks, lease), status and audit trail
export * from './rollout/index.js';

// transport: the native gRPC engine (node:http2), the health and reflection services, deadlines
export {
  createGrpcServer,
  createGrpcClient,
  combineServices,
  createHealthService,
  createReflectionService,
  type GrpcServerOptions,
  type GrpcClientOptions,
  type ServiceBundle,
  type HealthService,
  type HealthServiceOptions,
  type ServingStatus,
  type ReflectionService,
} from './transport/grpc/index.js';
export { formatGrpcTimeout, parseGrpcTimeout, grpcTimeoutFor, deadlineFromTimeout, remainingMs, earliestDeadline, startDeadlineTimer, type DeadlineTimer } from './transport/deadline.js';

// transport: the WebSocket engine (server on ws, client on any WHATWG-style WebSocket); wire format in docs/ws-protocol.md
export { createWsServer, createWsClient, SUBPROTOCOL_BINARY, SUBPROTOCOL_JSON, type WsServerOptions, type WsClientOptions, type WebSocketConstructor } from './transport/ws/index.js';

// transport: the @grpc/grpc-js engine (generic handlers, identity serializers)
export { createGrpcJsServer, createGrpcJsClient, type GrpcJsServerOptions, type GrpcJsClientOptions } from './transport/grpc-js/index.js';

// store: datastore connections, dual writes with a durable outbox (createDualWriter), resumable backfill (runBackfill)
export * from './store/index.js';

// proxy: dual-serve gRPC and WebSocket, weighted sticky routing, shadow comparison, write capture (docs/proxy.md)
export * from './proxy/index.js';
export { proxyConfigFromPlaybook, type PlaybookProxyOptions } from './playbook/proxy-config.js';

// rpc: the high-level API — serve a loaded .proto on gRPC and/or WebSocket, call it over either (docs/library.md)
export * from './rpc/index.js';
// ...and what its users need alongside it: schema loading, metadata, statuses and errors
export { loadProto, type ProtoSchema, type ServiceDescriptor, type MethodDescriptor, type LoadProtoOptions } from './schema/load.js';
export { Metadata, type MetadataValue } from './transport/metadata.js';
export { okStatus, status, statusFromError, errorFromStatus, describeStatus, type Status } from './transport/status.js';
export { SwitchyardError, Code, codeName, ErrorCatalogue, type ErrorId } from './errors.js';
