/**
 * The proxy's listeners: gRPC (with health and reflection mounted next to the proxied
 * methods) and WebSocket, both handing calls to the one gateway.
 */
import type { Logger } from '../observability/logger.js';
import type { ProtoSchema } from '../schema/load.js';
import type { CallHandler, ServerTlsOptions, ServerTransport } from '../transport/transport.js';
import { splitHostPort, type ListenTlsConfig, type ProxyConfig } from './config.js';
import type { ProxyMethod } from './methods.js';
import type { GrpcExtras, ProxyTransports } from './transports.js';

/** The running listeners. */
export interface Listeners {
  readonly servers: ServerTransport[];
  /** Bound `host:port`, null when not configured. */
  readonly addresses: { grpc: string | null; ws: string | null };
  /** Health and reflection on the gRPC listener, if any. */
  readonly extras: GrpcExtras | undefined;
}

/** Starts the configured listeners; on failure, those already started are shut down. */
export async function startListeners(config: ProxyConfig, t: ProxyTransports, schema: ProtoSchema, methods: readonly ProxyMethod[], handler: CallHandler, logger: Logger): Promise<Listeners> {
  const servers: ServerTransport[] = [];
  const addresses: Listeners['addresses'] = { grpc: null, ws: null };
  const common = {
    methods,
    maxMessageBytes: config.limits.maxMessageBytes,
    maxConcurrentStreams: config.limits.maxConcurrentStreams,
    maxConnections: config.limits.maxConnections,
    logger,
    ...(config.heartbeat ? { heartbeat: { ...config.heartbeat } } : {}),
    ...(config.tls.listen ? { tls: listenTls(config.tls.listen) } : {}),
  };
  const extras = config.listen.grpc ? t.grpcExtras?.(schema) : undefined;
  try {
    if (config.listen.grpc) {
      const grpcHandler: CallHandler = extras ? (call) => (extras.paths.has(call.method) ? extras.handler(call) : handler(call)) : handler;
      const s = t.createServer('grpc', { ...common, ...splitHostPort(config.listen.grpc), methods: [...methods, ...(extras?.methods ?? [])], handler: grpcHandler });
      servers.push(s);
      const a = await s.listen();
      addresses.grpc = `${a.host}:${a.port}`;
    }
    if (config.listen.ws) {
      const s = t.createServer('ws', { ...common, ...splitHostPort(config.listen.ws), path: config.listen.wsPath, schema, handler });
      servers.push(s);
      const a = await s.listen();
      addresses.ws = `${a.host}:${a.port}`;
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.shutdown(0).catch(() => undefined)));
    throw err;
  }
  return { servers, addresses, extras };
}

/** The engines' server TLS options: the certificate, and the client CA for mutual TLS. */
function listenTls(t: ListenTlsConfig): ServerTlsOptions {
  return { cert: t.cert, key: t.key, ...(t.clientCa ? { ca: t.clientCa } : {}) };
}
