/**
 * `createServer`: serves the services of a loaded `.proto` with plain handlers, on gRPC,
 * WebSocket, or both at once (the same handlers behind both).
 */
import { Code, fail } from '../errors.js';
import { status } from '../transport/status.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import type { MethodDescriptor, ProtoSchema } from '../schema/load.js';
import type { CommonServerOptions, ServerCall, ServerTransport } from '../transport/transport.js';
import { methodCodec } from './codec.js';
import { dispatch, type DispatchTarget } from './dispatch.js';
import { createServerTransport, DEFAULT_GRPC_ENGINE, type GrpcEngine } from './transports.js';
import type { MethodHandler, ServiceHandlers } from './types.js';

/** Listener options of one transport: the common server options without methods/handler, plus engine-specific ones. */
export type ListenOptions = Omit<CommonServerOptions, 'methods' | 'handler' | 'logger'> & { [option: string]: unknown };

/** gRPC listener options. */
export type GrpcListenOptions = ListenOptions & {
  /** Which gRPC engine serves. Default `'native'`. */
  engine?: GrpcEngine;
};

/** Options of {@link createServer}. At least one of `grpc` and `ws` is required. */
export interface RpcServerOptions {
  /** The loaded `.proto` (see `loadProto`). */
  schema: ProtoSchema;
  /** Serve gRPC with these options (`{}` for defaults: 127.0.0.1, a free port). Default: no gRPC. */
  grpc?: GrpcListenOptions;
  /** Serve WebSocket with these options. Default: no WebSocket. */
  ws?: ListenOptions;
  /** Logger; default silent. */
  logger?: Logger;
}

/** Options of {@link RpcServer.service}. */
export interface ServiceOptions {
  /** Handlers take and return `Uint8Array` protobuf bytes instead of objects. Default false. */
  raw?: boolean;
}

/** A bound address of one transport. */
export interface BoundAddress {
  host: string;
  port: number;
  /** The address a client passes to `createClient`, e.g. `grpc://127.0.0.1:50051`. */
  url: string;
}

/** A server built by {@link createServer}. */
export interface RpcServer {
  /** Adds the handlers of a service (before `listen()`). Methods without a handler answer UNIMPLEMENTED. */
  service(name: string, handlers: ServiceHandlers, options?: ServiceOptions): this;
  /** Starts every configured transport; resolves with their addresses. */
  listen(): Promise<{ grpc?: BoundAddress; ws?: BoundAddress }>;
  /** Graceful shutdown of every transport (see `ServerTransport.shutdown`). Default grace 10 s. */
  shutdown(graceMs?: number): Promise<void>;
  /** Calls in flight over all transports. */
  readonly activeCalls: number;
}

/** Default grace period of {@link RpcServer.shutdown}, ms (the same for every transport). */
export const DEFAULT_RPC_GRACE_MS = 10_000;

/** Creates a server. Add services with `.service()`, then `listen()`. */
export function createServer(options: RpcServerOptions): RpcServer {
  if (!options.grpc && !options.ws) throw fail('INVALID_ARGUMENT', 'createServer needs grpc, ws or both in its options');
  return new Server(options);
}

class Server implements RpcServer {
  private readonly targets = new Map<string, DispatchTarget>();
  private readonly methods: MethodDescriptor[] = [];
  private readonly logger: Logger;
  private transports: ServerTransport[] = [];
  private state: 'new' | 'listening' | 'closed' = 'new';

  constructor(private readonly options: RpcServerOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  get activeCalls(): number {
    return this.transports.reduce((n, t) => n + t.activeCalls, 0);
  }

  service(name: string, handlers: ServiceHandlers, options: ServiceOptions = {}): this {
    if (this.state !== 'new') throw fail('RPC_SERVER_STATE', `service(${name}) must be called before listen()`);
    const svc = this.options.schema.service(name);
    for (const [methodName, handler] of Object.entries(handlers)) {
      const method = svc.methods.find((m) => m.name === methodName);
      if (!method) {
        throw fail('RPC_INVALID_HANDLER', `${name} has no method ${methodName} (it has: ${svc.methods.map((m) => m.name).join(', ')})`);
      }
      if (typeof handler !== 'function') throw fail('RPC_INVALID_HANDLER', `the handler of ${method.path} is not a function`);
      if (this.targets.has(method.path)) throw fail('RPC_INVALID_HANDLER', `${method.path} already has a handler`);
      this.add(method, handler, options.raw ?? false);
    }
    return this;
  }

  async listen(): Promise<{ grpc?: BoundAddress; ws?: BoundAddress }> {
    if (this.state !== 'new') throw fail('RPC_SERVER_STATE', 'listen() was already called');
    this.state = 'listening';
    const handler = (call: ServerCall): void => this.onCall(call);
    const common = { methods: this.methods, handler, logger: this.logger };
    const out: { grpc?: BoundAddress; ws?: BoundAddress } = {};
    try {
      if (this.options.grpc) {
        const { engine, ...rest } = this.options.grpc;
        const t = createServerTransport(engine ?? DEFAULT_GRPC_ENGINE, { ...rest, ...common });
        this.transports.push(t);
        const a = await t.listen();
        out.grpc = { ...a, url: `${rest.tls ? 'grpcs' : 'grpc'}://${hostForUrl(a.host)}:${a.port}` };
      }
      if (this.options.ws) {
        // The schema lets the WebSocket server speak the JSON subprotocol to browsers.
        const t = createServerTransport('ws', { schema: this.options.schema, ...this.options.ws, ...common });
        this.transports.push(t);
        const a = await t.listen();
        const path = typeof this.options.ws['path'] === 'string' ? this.options.ws['path'] : '';
        out.ws = { ...a, url: `${this.options.ws.tls ? 'wss' : 'ws'}://${hostForUrl(a.host)}:${a.port}${path}` };
      }
    } catch (err) {
      await this.shutdown(0);
      throw err;
    }
    return out;
  }

  async shutdown(graceMs = DEFAULT_RPC_GRACE_MS): Promise<void> {
    this.state = 'closed';
    const all = this.transports;
    this.transports = [];
    await Promise.all(all.map((t) => t.shutdown(graceMs)));
  }

  private add(method: MethodDescriptor, handler: MethodHandler, raw: boolean): void {
    this.methods.push(method);
    this.targets.set(method.path, { kind: method.kind, handler, codec: methodCodec(method, raw), logger: this.logger });
  }

  private onCall(call: ServerCall): void {
    const target = this.targets.get(call.method);
    if (!target) {
      call.end(status(Code.UNIMPLEMENTED, `method ${call.method} is not implemented`));
      return;
    }
    dispatch(call, target);
  }
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
