/**
 * The reference chat backend: `chat.ChatService` over one transport, on its own store.
 * The demo runs two: legacy (gRPC + the legacy store) and next (WebSocket + the next store).
 * A fault can be switched on at run time: a share of calls then fails with a status.
 */
import { EventEmitter, on } from 'node:events';
import { Code, SwitchyardError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { createServer, type RpcServer } from '../rpc/index.js';
import type { CallContext, Message } from '../rpc/types.js';
import type { ProtoSchema } from '../schema/load.js';
import type { Store } from '../store/connect.js';
import { CHAT_TABLE, insertMessage, roomHistory, type ChatRow } from './chat-store.js';

/** A fault the backend injects into its own answers. */
export interface BackendFault {
  /** Share of calls that fail, 0–1. */
  errorRate: number;
  /** The status they fail with. Default INTERNAL. */
  code?: Code;
}

/** Options for {@link startChatBackend}. */
export interface ChatBackendOptions {
  /** `legacy` or `next`: shown in errors and logs. */
  name: string;
  /** The transport it serves. */
  transport: 'grpc' | 'ws';
  /** The loaded chat schema. */
  schema: ProtoSchema;
  /** Its own datastore; the messages table must exist. */
  store: Store;
  /** Messages table. Default `chat_messages`. */
  table?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** Logger. */
  logger?: Logger;
}

/** A running backend. */
export interface ChatBackend {
  /** `grpc://127.0.0.1:PORT` or `ws://127.0.0.1:PORT/`. */
  readonly address: string;
  /** Calls answered, by outcome. */
  readonly counts: { ok: number; failed: number; injected: number };
  /** Switches a fault on (or off with undefined). */
  setFault(fault: BackendFault | undefined): void;
  /** Graceful shutdown. */
  shutdown(graceMs?: number): Promise<void>;
}

/** `YYYY-MM-DD HH:MM:SS.mmm` (UTC) → RFC 3339, the Timestamp JSON form. */
function rfc3339(sqlDateTime: string): string {
  return sqlDateTime.replace(' ', 'T') + 'Z';
}

function stored(row: ChatRow): Message {
  return { id: row.id, content: row.content, sender: row.sender, room: row.room, sentAt: rfc3339(row.sent_at) };
}

/** Starts a chat backend on 127.0.0.1. */
export async function startChatBackend(options: ChatBackendOptions): Promise<ChatBackend> {
  const table = options.table ?? CHAT_TABLE;
  const db = options.store.knex;
  const live = new EventEmitter().setMaxListeners(0);
  const counts = { ok: 0, failed: 0, injected: 0 };
  let fault: BackendFault | undefined;

  const maybeFail = (ctx: CallContext): void => {
    if (fault && Math.random() < fault.errorRate) {
      counts.injected++;
      throw new SwitchyardError(`${options.name} backend: injected fault on ${ctx.method}`, { code: fault.code ?? Code.INTERNAL });
    }
  };
  const save = async (m: Message, now = new Date()): Promise<ChatRow> => {
    const row = await insertMessage(db, table, { room: String(m['room'] ?? ''), sender: String(m['sender'] ?? ''), content: String(m['content'] ?? '') }, now);
    live.emit(row.room, row);
    live.emit('*', row);
    return row;
  };
  const counted = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    try {
      const r = await fn(...args);
      counts.ok++;
      return r;
    } catch (err) {
      counts.failed++;
      throw err;
    }
  };

  const handlers = {
    SendMessage: counted(async (req: Message, ctx: CallContext) => {
      maybeFail(ctx);
      const row = await save(req);
      return { id: row.id, sentAt: rfc3339(row.sent_at) };
    }),
    History: async function* (req: Message, ctx: CallContext) {
      maybeFail(ctx);
      const room = String(req['room'] ?? '');
      const follow = Boolean(req['follow']);
      // Subscribe before reading history so nothing written in between is missed.
      const events = follow ? on(live, room || '*', { signal: ctx.signal }) : undefined;
      const seen = new Set<string>();
      for (const row of await roomHistory(db, table, room, Number(req['limit'] ?? 0))) {
        seen.add(row.id);
        yield stored(row);
      }
      counts.ok++;
      if (!events) return;
      try {
        for await (const [row] of events) if (!seen.has((row as ChatRow).id)) yield stored(row as ChatRow);
      } catch (err) {
        if (!ctx.signal.aborted) throw err;
      }
    },
    UploadBatch: counted(async (requests: AsyncIterable<Message>, ctx: CallContext) => {
      maybeFail(ctx);
      const now = new Date();
      const ids: string[] = [];
      for await (const m of requests) ids.push((await save(m, now)).id);
      return { accepted: ids.length, ids, sentAt: now.toISOString() };
    }),
    ExchangeMessages: async function* (requests: AsyncIterable<Message>, ctx: CallContext) {
      maybeFail(ctx);
      for await (const m of requests) yield stored(await save(m));
      counts.ok++;
    },
  };

  const server: RpcServer = createServer({
    schema: options.schema,
    ...(options.transport === 'grpc' ? { grpc: { port: options.port ?? 0 } } : { ws: { port: options.port ?? 0 } }),
    ...(options.logger ? { logger: options.logger } : {}),
  }).service('chat.ChatService', handlers);
  const bound = await server.listen();
  const addr = options.transport === 'grpc' ? bound.grpc : bound.ws;
  if (!addr) throw new Error(`${options.name} backend did not bind a ${options.transport} listener`);
  return {
    address: addr.url,
    counts,
    setFault(f) {
      fault = f;
    },
    shutdown: (graceMs = 2_000) => server.shutdown(graceMs),
  };
}
