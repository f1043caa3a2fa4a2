/**
 * The real transport engines behind {@link ProxyTransports}: the native gRPC engine
 * (node:http2) and the WebSocket engine, for both the proxy's listeners and its upstreams.
 */
import { fail } from '../errors.js';
import { combineServices, createGrpcClient, createGrpcServer, createHealthService, createReflectionService } from '../transport/grpc/index.js';
import { createWsClient, createWsServer } from '../transport/ws/index.js';
import type { ProxyTransports } from './transports.js';

/** The proxy's transports on the real engines. */
export function engineTransports(): ProxyTransports {
  return {
    createServer(transport, options) {
      if (transport === 'grpc') {
        const { path: _path, schema: _schema, ...rest } = options;
        return createGrpcServer(rest);
      }
      return createWsServer(options);
    },
    createClient(url, options) {
      if (/^grpcs?:\/\//.test(url)) return createGrpcClient({ ...options, address: url });
      if (/^wss?:\/\//.test(url)) return createWsClient({ ...options, address: url });
      throw fail('PROXY_CONFIG_INVALID', `upstream "${url}" must start with grpc://, grpcs://, ws:// or wss://`);
    },
    grpcExtras(schema) {
      // grpc.health.v1: the server ("") and each proxied service report SERVING until shutdown.
      const health = createHealthService({ initial: Object.fromEntries([['', 'SERVING'], ...schema.services.map((s) => [s.name, 'SERVING'])]) });
      const reflection = createReflectionService([schema, health.schema]);
      const bundle = combineServices(health, reflection);
      return {
        methods: [...bundle.methods],
        paths: new Set(bundle.methods.map((m) => m.path)),
        handler: bundle.handler,
        setServing(serving) {
          if (serving) for (const s of ['', ...schema.services.map((x) => x.name)]) health.setStatus(s, 'SERVING');
          else health.shutdown();
        },
      };
    },
  };
}
