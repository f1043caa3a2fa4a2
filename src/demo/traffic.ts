/**
 * Client traffic for the demo: virtual users calling every ChatService method through the
 * proxy, half over gRPC and half over WebSocket, at a steady rate. Each user sends its id in
 * `x-user-id`, so sticky routing keeps a user on one side.
 */
import { codeName, SwitchyardError } from '../errors.js';
import { createClient } from '../rpc/index.js';
import type { Message } from '../rpc/types.js';
import type { ProtoSchema } from '../schema/load.js';

/** Options for {@link startTraffic}. */
export interface TrafficOptions {
  schema: ProtoSchema;
  /** The proxy's gRPC address, `grpc://host:port`. */
  grpcUrl: string;
  /** The proxy's WebSocket address, `ws://host:port/`. */
  wsUrl: string;
  /** Calls started per second. Default 150. */
  ratePerSec?: number;
  /** Virtual users. Default 40. */
  users?: number;
  /** Rooms. Default 5. */
  rooms?: number;
  /** Calls in flight at most; more are skipped (and counted). Default 128. */
  maxInFlight?: number;
  /** Per-call timeout, ms. Default 5000. */
  timeoutMs?: number;
}

/** Outcomes per method and status code name. */
export type TrafficCounts = Record<string, Record<string, number>>;

/** Running traffic. */
export interface Traffic {
  /** Outcomes so far. */
  readonly counts: TrafficCounts;
  /** Total calls finished. */
  readonly finished: number;
  /** Stops starting calls, waits for those in flight, closes the clients. */
  stop(): Promise<TrafficCounts>;
}

type ChatClient = Record<string, (input: unknown, options?: Record<string, unknown>) => Promise<unknown> & AsyncIterable<unknown>>;

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;

/** Starts the traffic. */
export function startTraffic(o: TrafficOptions): Traffic {
  const clients = [createClient(o.schema, 'chat.ChatService', o.grpcUrl), createClient(o.schema, 'chat.ChatService', o.wsUrl)] as unknown as Array<ChatClient & { close(): Promise<void> }>;
  const users = Array.from({ length: o.users ?? 40 }, (_, i) => `user-${i + 1}`);
  const rooms = Array.from({ length: o.rooms ?? 5 }, (_, i) => `room-${i + 1}`);
  const counts: TrafficCounts = {};
  const inFlight = new Set<Promise<void>>();
  let finished = 0;
  const record = (method: string, code: string): void => {
    const m = (counts[method] ??= {});
    m[code] = (m[code] ?? 0) + 1;
    finished++;
  };

  const one = async (): Promise<void> => {
    const userIndex = Math.floor(Math.random() * users.length);
    const user = users[userIndex]!;
    const client = clients[userIndex % 2]!; // a user always uses the same transport
    const room = pick(rooms);
    const msg = (): Message => ({ content: `hello from ${user} #${Math.floor(Math.random() * 1e6)}`, sender: user, room });
    const opts = { metadata: { 'x-user-id': user }, timeoutMs: o.timeoutMs ?? 5_000 };
    const r = Math.random();
    const method = r < 0.4 ? 'SendMessage' : r < 0.8 ? 'History' : r < 0.9 ? 'UploadBatch' : 'ExchangeMessages';
    try {
      if (method === 'SendMessage') await client['SendMessage']!(msg(), opts);
      else if (method === 'UploadBatch') await client['UploadBatch']!([msg(), msg(), msg()], opts);
      else if (method === 'History') for await (const _ of client['History']!({ room, limit: 10 }, opts)) void _;
      else for await (const _ of client['ExchangeMessages']!([msg(), msg()], opts)) void _;
      record(method, 'OK');
    } catch (err) {
      record(method, codeName(SwitchyardError.from(err).code));
    }
  };

  const perTick = (o.ratePerSec ?? 150) / 50;
  let carry = 0;
  const timer = setInterval(() => {
    carry += perTick;
    for (; carry >= 1; carry--) {
      if (inFlight.size >= (o.maxInFlight ?? 128)) {
        record('skipped', 'BUSY');
        continue;
      }
      const p = one().finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }, 20);

  let stopped: Promise<TrafficCounts> | undefined;
  const stop = async (): Promise<TrafficCounts> => {
    clearInterval(timer);
    await Promise.all(inFlight);
    await Promise.all(clients.map((c) => c.close()));
    return counts;
  };
  return {
    counts,
    get finished() {
      return finished;
    },
    stop: () => (stopped ??= stop()),
  };
}
