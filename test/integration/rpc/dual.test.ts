/** One server on gRPC and WebSocket at once: the same handlers, the same client code over either, and the RPC API's edge checks. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, SwitchyardError } from '../../../src/errors.js';
import { createClient, createServer, type RpcServer } from '../../../src/rpc/index.js';
import type { ProtoSchema } from '../../../src/schema/load.js';
import { chatHandlers, loadChat, type ChatClient, type Observed } from './fixture.js';

let schema: ProtoSchema;
let server: RpcServer;
let urls: { grpc: string; ws: string };
const observed: Observed = { aborts: [], produced: 0, taken: 0 };

beforeAll(async () => {
  schema = await loadChat();
  server = createServer({ schema, grpc: {}, ws: { path: '/rpc' } }).service('chat.ChatService', chatHandlers(observed));
  const bound = await server.listen();
  urls = { grpc: bound.grpc!.url, ws: bound.ws!.url };
});
afterAll(async () => {
  await server?.shutdown(1_000);
});

/** The same code, whatever the address. */
async function conversation(address: string): Promise<{ reply: unknown; echoes: string[]; transport: string | undefined }> {
  const client = createClient<ChatClient>(schema, 'chat.ChatService', address);
  try {
    const call = client.SendMessage({ content: 'hello', sender: 'dual' });
    const reply = await call;
    const echoes: string[] = [];
    for await (const m of client.ExchangeMessages([{ content: 'a' }, { content: 'b' }])) echoes.push(String(m['content']));
    return { reply, echoes, transport: (await call.status).trailers.getText('x-transport') };
  } finally {
    await client.close();
  }
}

describe('a server on both transports', () => {
  it('serves the same handlers on grpc:// and ws:// addresses', async () => {
    expect(urls.grpc).toMatch(/^grpc:\/\/127\.0\.0\.1:\d+$/);
    expect(urls.ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/rpc$/);
    const overGrpc = await conversation(urls.grpc);
    const overWs = await conversation(urls.ws);
    expect(overGrpc).toEqual({ ...overWs, transport: 'grpc' });
    expect(overWs.transport).toBe('ws');
    expect(overWs.echoes).toEqual(['echo a', 'echo b']);
  });

  it('the grpc-js client engine talks to the native server engine', async () => {
    const client = createClient<ChatClient>(schema, 'chat.ChatService', urls.grpc, { transport: { grpcEngine: 'grpc-js' } });
    try {
      expect(await client.SendMessage({ content: 'x', sender: 'js' })).toMatchObject({ id: 'id-js' });
    } finally {
      await client.close();
    }
  });

  it('a method without a handler answers UNIMPLEMENTED', async () => {
    const partial = createServer({ schema, grpc: { engine: 'grpc-js' } }).service('chat.ChatService', { SendMessage: () => ({ id: '1' }) });
    const { grpc } = await partial.listen();
    const client = createClient<ChatClient>(schema, 'chat.ChatService', grpc!.url);
    try {
      await expect(client.UploadBatch([{ content: 'x' }])).rejects.toMatchObject({ code: Code.UNIMPLEMENTED });
      expect(await client.SendMessage({})).toEqual({ id: '1', sentAt: null });
    } finally {
      await client.close();
      await partial.shutdown(0);
    }
  });

  it('rejects handlers for unknown methods, unknown services and bad addresses at the edge', () => {
    const s = createServer({ schema, grpc: {} });
    expect(() => s.service('chat.ChatService', { Nope: () => ({}) })).toThrow(/has no method Nope \(it has: ExchangeMessages, SendMessage, History, UploadBatch\)/);
    expect(() => s.service('chat.Missing', {})).toThrow(SwitchyardError);
    expect(() => createClient(schema, 'chat.ChatService', 'http://127.0.0.1:1')).toThrow(/needs a scheme: grpc:\/\/, grpcs:\/\/, ws:\/\/ or wss:\/\//);
    expect(() => createServer({ schema })).toThrow(/needs grpc, ws or both/);
  });
});
