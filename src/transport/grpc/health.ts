/**
 * The standard gRPC health service (`grpc.health.v1.Health`: Check, List, Watch) as a
 * mountable {@link ServiceBundle}. The status of each service name is set by the owner;
 * `""` stands for the server as a whole and starts SERVING.
 */
import type protobuf from 'protobufjs';
import { Code, fail } from '../../errors.js';
import type { ProtoSchema } from '../../schema/load.js';
import { okStatus, status, statusFromError } from '../status.js';
import type { ServerCall } from '../transport.js';
import { loadBundledProto, type ServiceBundle } from './services.js';

/** A service's health. `SERVICE_UNKNOWN` is only ever sent by Watch. */
export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

const STATUS_NUMBER: Record<ServingStatus, number> = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 };

/** The health service: a bundle to mount, plus the status controls. */
export interface HealthService extends ServiceBundle {
  /** The loaded `grpc/health/v1/health.proto` (for reflection). */
  readonly schema: ProtoSchema;
  /** Sets a service's status (`""`: the whole server); Watch streams see the change. */
  setStatus(service: string, status: 'SERVING' | 'NOT_SERVING' | 'UNKNOWN'): void;
  /** Forgets a service: Check answers NOT_FOUND, Watch sends SERVICE_UNKNOWN. */
  clearStatus(service: string): void;
  /** A service's current status (`SERVICE_UNKNOWN` when never set). */
  getStatus(service: string): ServingStatus;
  /**
   * For server shutdown: sets every service NOT_SERVING, tells the watchers, then ends their
   * Watch streams (UNAVAILABLE) so they do not hold up the server's grace period.
   */
  shutdown(): void;
}

/** Options of {@link createHealthService}. */
export interface HealthServiceOptions {
  /** Initial statuses. Default `{ "": "SERVING" }`. */
  initial?: Record<string, 'SERVING' | 'NOT_SERVING' | 'UNKNOWN'>;
}

const HEALTH_PROTO = 'grpc/health/v1/health.proto';
const SERVICE = 'grpc.health.v1.Health';

/** Creates the health service. */
export function createHealthService(options: HealthServiceOptions = {}): HealthService {
  const schema = loadBundledProto(HEALTH_PROTO);
  const Request = schema.type('grpc.health.v1.HealthCheckRequest');
  const Response = schema.type('grpc.health.v1.HealthCheckResponse');
  const ListResponse = schema.type('grpc.health.v1.HealthListResponse');
  const statuses = new Map<string, ServingStatus>(Object.entries(options.initial ?? { '': 'SERVING' }));
  const watchers = new Map<string, Set<Watcher>>();
  const encodeStatus = (s: ServingStatus): Uint8Array => Response.encode(Response.create({ status: STATUS_NUMBER[s] })).finish();
  const current = (service: string): ServingStatus => statuses.get(service) ?? 'SERVICE_UNKNOWN';
  const notify = (service: string): void => {
    for (const w of watchers.get(service) ?? []) w.send(encodeStatus(current(service)));
  };

  const handlers: Record<string, (call: ServerCall) => void> = {
    [`/${SERVICE}/Check`]: (call) =>
      unary(call, Request, (req) => {
        const s = statuses.get(req.service);
        if (s === undefined) throw fail('TRANSPORT_HEALTH_UNKNOWN_SERVICE', `unknown service "${req.service}"`);
        return encodeStatus(s);
      }),
    [`/${SERVICE}/List`]: (call) =>
      unary(call, undefined, () => {
        const out: Record<string, unknown> = {};
        for (const [name, s] of statuses) out[name] = { status: STATUS_NUMBER[s] };
        return ListResponse.encode(ListResponse.fromObject({ statuses: out })).finish();
      }),
    [`/${SERVICE}/Watch`]: (call) => {
      let service: string | undefined;
      let watcher: Watcher | undefined;
      call.listen({
        onDrain: () => watcher?.drain(),
        onMessage(m) {
          if (service !== undefined) return;
          try {
            service = (Request.decode(m) as unknown as { service: string }).service;
          } catch (err) {
            call.end(statusFromError(fail('INVALID_ARGUMENT', `bad HealthCheckRequest: ${(err as Error).message}`)));
            return;
          }
          const w = (watcher = new Watcher(call));
          let set = watchers.get(service);
          if (!set) watchers.set(service, (set = new Set()));
          set.add(w);
          const name = service;
          const remove = (): void => {
            set.delete(w);
            if (set.size === 0) watchers.delete(name);
          };
          call.signal.addEventListener('abort', remove, { once: true });
          w.onEnd = remove;
          w.send(encodeStatus(current(service)));
        },
        onHalfClose() {
          if (service === undefined) call.end(status(Code.INVALID_ARGUMENT, 'Watch needs one HealthCheckRequest'));
        },
      });
    },
  };

  return {
    schema,
    methods: schema.service(SERVICE).methods.map((m) => ({ path: m.path, kind: m.kind })),
    handler(call) {
      handlers[call.method]?.(call);
    },
    setStatus(service, s) {
      if (statuses.get(service) === s) return;
      statuses.set(service, s);
      notify(service);
    },
    clearStatus(service) {
      if (statuses.delete(service)) notify(service);
    },
    getStatus: current,
    shutdown() {
      for (const name of statuses.keys()) statuses.set(name, 'NOT_SERVING');
      for (const name of watchers.keys()) notify(name);
      for (const set of [...watchers.values()]) for (const w of [...set]) w.end();
    },
  };
}

/** One Watch stream: sends status changes, keeping only the latest while the client is slow. */
class Watcher {
  private blocked = false;
  private latest: Uint8Array | undefined;
  onEnd: () => void = () => {};

  constructor(private readonly call: ServerCall) {}

  /** The call can take writes again: send the latest status held back. */
  drain(): void {
    this.blocked = false;
    const next = this.latest;
    this.latest = undefined;
    if (next) this.send(next);
  }

  send(message: Uint8Array): void {
    if (this.blocked) {
      this.latest = message;
      return;
    }
    if (!this.call.write(message)) this.blocked = true;
  }

  end(): void {
    this.call.end(status(Code.UNAVAILABLE, 'the server is shutting down'));
    this.onEnd();
  }
}

/** Serves a unary call: decodes the request (when a type is given), answers or fails. */
function unary(call: ServerCall, type: protobuf.Type | undefined, answer: (req: { service: string }) => Uint8Array): void {
  let request: Uint8Array | undefined;
  call.listen({
    onMessage(m) {
      request = m;
    },
    onHalfClose() {
      try {
        let req = { service: '' };
        if (type) {
          if (!request) throw fail('INVALID_ARGUMENT', 'the call carried no request message');
          try {
            req = type.decode(request) as unknown as { service: string };
          } catch (err) {
            throw fail('INVALID_ARGUMENT', `bad ${type.name}: ${(err as Error).message}`);
          }
        }
        call.write(answer(req));
        call.end(okStatus());
      } catch (err) {
        call.end(statusFromError(err));
      }
    },
  });
}
