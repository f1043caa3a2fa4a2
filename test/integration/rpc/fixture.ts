/** A chat service on real sockets for the RPC API tests, on whichever engines this build has. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Code, SwitchyardError } from '../../../src/errors.js';
import { createServer, type RpcServer } from '../../../src/rpc/index.js';
import type { BidiMethod, CallContext, ClientStreamMethod, Message, MessageStream, ServerStreamMethod, UnaryMethod } from '../../../src/rpc/types.js';
import { loadProto, type ProtoSchema } from '../../../src/schema/load.js';
import { Metadata } from '../../../src/transport/metadata.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The chat service's client, typed as a user would declare it. */
export interface ChatClient {
  SendMessage: UnaryMethod;
  sendMessage: UnaryMethod;
  History: ServerStreamMethod;
  UploadBatch: ClientStreamMethod;
  ExchangeMessages: BidiMethod;
}

/** The chat schema of the playbook. */
export function loadChat(): Promise<ProtoSchema> {
  return loadProto(path.join(root, 'playbooks/chat/chat.proto'));
}

/** An engine a test runs on: how the server listens and the address scheme clients use. */
export interface Engine {
  name: 'grpc-js' | 'native' | 'ws';
}

/** Every engine. */
export const ENGINES: Engine[] = [{ name: 'grpc-js' }, { name: 'native' }, { name: 'ws' }];

/** What the handlers observed, for assertions. */
export interface Observed {
  aborts: Array<{ method: string; code: Code | undefined }>;
  /** Replies produced so far by the endless History stream. */
  produced: number;
  /** Requests the stalled UploadBatch handler took. */
  taken: number;
}

/** Handlers of chat.ChatService that the tests drive through message content. */
export function chatHandlers(observed: Observed) {
  const watch = (ctx: CallContext): void => {
    ctx.signal.addEventListener('abort', () => {
      observed.aborts.push({ method: ctx.method, code: (ctx.signal.reason as SwitchyardError | undefined)?.code });
    });
  };
  return {
    SendMessage: async (req: Message, ctx: CallContext) => {
      watch(ctx);
      if (req['content'] === 'fail') {
        ctx.setTrailers({ 'x-why': 'asked to fail', 'x-why-bin': new Uint8Array([7, 7]) });
        throw new SwitchyardError('no such room', { code: Code.NOT_FOUND, details: { statusDetails: new Uint8Array([1, 2, 3]) } });
      }
      if (req['content'] === 'slow') await new Promise((r) => setTimeout(r, 5_000));
      const echo = ctx.metadata.get('x-echo-bin');
      ctx.sendHeaders({ 'x-peer-seen': ctx.peer ? 'yes' : 'no', ...(echo instanceof Uint8Array ? { 'x-echo-bin': echo } : {}) });
      ctx.setTrailers({ 'x-transport': ctx.transport });
      return { id: `id-${String(req['sender'])}`, sentAt: { seconds: 1700000000, nanos: 5 } };
    },
    History: async function* (req: Message, ctx: CallContext) {
      watch(ctx);
      const limit = Number(req['limit']);
      if (req['room'] === 'endless') {
        for (let i = 0; !ctx.signal.aborted; i++) {
          observed.produced = i + 1;
          yield { id: String(i), content: 'x'.repeat(40), sender: 'bot', room: 'endless' };
        }
        return;
      }
      for (let i = 0; i < limit; i++) yield { id: String(i), content: `m${i}`, sender: 'bot', room: String(req['room']) };
      if (req['follow']) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
    },
    UploadBatch: async (requests: MessageStream<Message>, ctx: CallContext) => {
      watch(ctx);
      const ids: string[] = [];
      for await (const m of requests) {
        observed.taken++;
        if (m['content'] === 'stall') await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
        ids.push(`${String(m['sender'])}:${String(m['content'])}`);
      }
      return { accepted: ids.length, ids };
    },
    ExchangeMessages: async function* (requests: MessageStream<Message>, ctx: CallContext) {
      watch(ctx);
      for await (const m of requests) yield { ...m, content: `echo ${String(m['content'])}` };
    },
  };
}

/** A running chat server on one engine. */
export interface ChatServer {
  server: RpcServer;
  address: string;
  observed: Observed;
}

/** Starts the chat service on one engine (port 0). */
export async function startChat(schema: ProtoSchema, engine: Engine['name']): Promise<ChatServer> {
  const observed: Observed = { aborts: [], produced: 0, taken: 0 };
  const server = createServer({
    schema,
    ...(engine === 'ws' ? { ws: {} } : { grpc: { engine } }),
  }).service('chat.ChatService', chatHandlers(observed));
  const bound = await server.listen();
  const address = (engine === 'ws' ? bound.ws : bound.grpc)!.url;
  return { server, address, observed };
}

/** Client transport options that pick the engine for `grpc://` addresses. */
export function clientOptions(engine: Engine['name']) {
  return engine === 'ws' ? {} : { transport: { grpcEngine: engine } };
}

/** Polls until `check` is true (or fails after `timeoutMs`). */
export async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export { Metadata };
