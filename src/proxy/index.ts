/**
 * The dual-serving proxy: one service on gRPC and WebSocket, weighted sticky routing to the
 * legacy and next upstreams, shadow comparison, write capture, admin endpoints and metric
 * snapshots (docs/proxy.md, docs/operations.md).
 */
export { startProxy, type RunningProxy, type StartProxyOptions } from './proxy.js';
export { parseProxyConfig, PROXY_CONFIG_SCHEMA, type ProxyConfig, type ProxyConfigInput } from './config.js';
export { engineTransports } from './engines.js';
export type { ProxyTransports, GrpcExtras } from './transports.js';
export { bucketOf, upstreamFor, BUCKETS } from './router.js';
export { SERVER_FAULT_CODES } from './gateway.js';
export { SHADOW_HEADER } from './shadow.js';
export type { CaptureRule, CaptureConfig } from './capture-config.js';
