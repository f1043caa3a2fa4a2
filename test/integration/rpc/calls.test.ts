/** The RPC API end to end: every call kind, metadata, errors, deadlines and cancellation, on every engine in the build. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, SwitchyardError } from '../../../src/errors.js';
import { createClient, type BidiMethod, type ClientControls } from '../../../src/rpc/index.js';
import type { ProtoSchema } from '../../../src/schema/load.js';
import { ENGINES, clientOptions, eventually, loadChat, startChat, type ChatClient, type ChatServer } from './fixture.js';

let schema: ProtoSchema;
beforeAll(async () => {
  schema = await loadChat();
});

async function* messages(n: number, sender = 'ann') {
  for (let i = 0; i < n; i++) yield { content: `c${i}`, sender };
}

async function rejection(p: Promise<unknown>): Promise<SwitchyardError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SwitchyardError);
    return err as SwitchyardError;
  }
  throw new Error('expected the call to fail');
}

for (const engine of ENGINES) {
  describe(`rpc over ${engine.name}`, () => {
    let chat: ChatServer;
    let client: ChatClient & ClientControls;

    beforeAll(async () => {
      chat = await startChat(schema, engine.name);
      client = createClient<ChatClient>(schema, 'chat.ChatService', chat.address, clientOptions(engine.name));
    });
    afterAll(async () => {
      await client?.close();
      await chat?.server.shutdown(1_000);
    });

    it('unary: reply, headers, trailers and binary metadata', async () => {
      const call = client.SendMessage({ content: 'hi', sender: 'ann' }, { metadata: { 'x-echo-bin': new Uint8Array([0, 255, 9]) } });
      const reply = await call;
      expect(reply).toEqual({ id: 'id-ann', sentAt: '2023-11-14T22:13:20.000000005Z' });
      const headers = await call.headers;
      expect(headers.get('x-peer-seen')).toBe('yes');
      expect(Array.from(headers.get('x-echo-bin') as Uint8Array)).toEqual([0, 255, 9]);
      const status = await call.status;
      expect(status.code).toBe(Code.OK);
      expect(status.trailers.get('x-transport')).toBe(engine.name === 'ws' ? 'ws' : 'grpc');
    });

    it('the lowerCamelCase alias calls the same method', async () => {
      expect(await client.sendMessage({ content: 'hi', sender: 'bob' })).toMatchObject({ id: 'id-bob' });
    });

    it('a handler that throws sets the status, message, details and trailers', async () => {
      const call = client.SendMessage({ content: 'fail', sender: 'ann' });
      const err = await rejection(call);
      expect(err.code).toBe(Code.NOT_FOUND);
      expect(err.rawMessage).toBe('no such room');
      const status = await call.status;
      expect(status.trailers.get('x-why')).toBe('asked to fail');
      expect(Array.from(status.trailers.get('x-why-bin') as Uint8Array)).toEqual([7, 7]);
      expect(Array.from(status.details ?? [])).toEqual([1, 2, 3]);
    });

    it('server-streaming: every reply in order, then OK', async () => {
      const got: string[] = [];
      for await (const m of client.History({ room: 'r1', limit: 50 })) got.push(String(m['content']));
      expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
    });

    it('client-streaming: an async generator of requests, one reply', async () => {
      const reply = await client.UploadBatch(messages(300));
      expect(reply['accepted']).toBe(300);
      expect((reply['ids'] as string[])[299]).toBe('ann:c299');
    });

    it('client-streaming: a plain array works too, and an empty one', async () => {
      expect((await client.UploadBatch([{ content: 'a', sender: 'x' }]))['accepted']).toBe(1);
      expect((await client.UploadBatch([]))['accepted']).toBe(0);
    });

    it('bidi: echoes every message in order', async () => {
      const got: string[] = [];
      for await (const m of client.ExchangeMessages(messages(500))) got.push(String(m['content']));
      expect(got).toHaveLength(500);
      expect(got[0]).toBe('echo c0');
      expect(got[499]).toBe('echo c499');
    });

    it('deadline: DEADLINE_EXCEEDED on the client and in the handler', async () => {
      chat.observed.aborts.length = 0;
      const call = client.History({ room: 'r2', limit: 1, follow: true }, { timeoutMs: 200 });
      const seen: unknown[] = [];
      const err = await rejection((async () => { for await (const m of call) seen.push(m); })());
      expect(seen).toHaveLength(1);
      expect(err.code).toBe(Code.DEADLINE_EXCEEDED);
      await eventually(() => chat.observed.aborts.some((a) => a.method.endsWith('/History')));
      expect(chat.observed.aborts.find((a) => a.method.endsWith('/History'))?.code).toBe(Code.DEADLINE_EXCEEDED);
    });

    it('an AbortSignal cancels a call on both ends', async () => {
      chat.observed.aborts.length = 0;
      const controller = new AbortController();
      const call = client.History({ room: 'r3', limit: 2, follow: true }, { signal: controller.signal });
      const it = call[Symbol.asyncIterator]();
      await it.next();
      await it.next();
      controller.abort();
      const err = await rejection(it.next());
      expect(err.code).toBe(Code.CANCELLED);
      await eventually(() => chat.observed.aborts.length > 0);
      expect(chat.observed.aborts[0]?.code).toBe(Code.CANCELLED);
      await eventually(() => chat.server.activeCalls === 0);
    });

    it('breaking out of a response loop cancels the call (no dangling call)', async () => {
      chat.observed.aborts.length = 0;
      for await (const m of client.History({ room: 'r4', limit: 3, follow: true })) {
        expect(m['content']).toBe('m0');
        break;
      }
      await eventually(() => chat.observed.aborts.length > 0);
      expect(chat.observed.aborts[0]?.code).toBe(Code.CANCELLED);
      await eventually(() => chat.server.activeCalls === 0);
    });

    it('a request stream that throws fails the call and cancels the handler', async () => {
      chat.observed.aborts.length = 0;
      async function* broken() {
        yield { content: 'a', sender: 'x' };
        throw new SwitchyardError('source broke', { code: Code.DATA_LOSS });
      }
      const err = await rejection(client.UploadBatch(broken()));
      expect(err.code).toBe(Code.DATA_LOSS);
      await eventually(() => chat.server.activeCalls === 0);
    });

    it('a request that does not fit the schema fails before sending', async () => {
      const err = await rejection(client.SendMessage({ content: 5, sender: { nested: true } }));
      expect(err.code).toBe(Code.INVALID_ARGUMENT);
    });

    it('a slow reader slows the server-stream writer (bounded production)', async () => {
      chat.observed.produced = 0;
      const call = client.History({ room: 'endless', limit: 0 });
      const it = call[Symbol.asyncIterator]();
      await it.next();
      await new Promise((r) => setTimeout(r, 300));
      const stalledAt = chat.observed.produced;
      await new Promise((r) => setTimeout(r, 300));
      // Production stopped while nobody read (windows and buffers full), far below what 600 ms allows.
      expect(chat.observed.produced).toBe(stalledAt);
      expect(stalledAt).toBeLessThan(50_000);
      for (let i = 0; i < stalledAt + 100; i++) await it.next();
      expect(chat.observed.produced).toBeGreaterThan(stalledAt);
      await it.return!();
      await eventually(() => chat.server.activeCalls === 0);
    });

    it('a stalled handler slows the request writer (requests pulled only when writable)', async () => {
      chat.observed.taken = 0;
      let pulled = 0;
      async function* endless() {
        yield { content: 'stall', sender: 'x' };
        for (;;) {
          pulled++;
          yield { content: 'y'.repeat(40), sender: 'x' };
        }
      }
      const controller = new AbortController();
      const reply = client.UploadBatch(endless(), { signal: controller.signal });
      await eventually(() => chat.observed.taken === 1);
      await new Promise((r) => setTimeout(r, 300));
      const stalledAt = pulled;
      await new Promise((r) => setTimeout(r, 300));
      // Pulling stopped; what was pulled is what the windows and socket buffers hold (~1 MB here at most).
      expect(pulled).toBe(stalledAt);
      expect(stalledAt).toBeLessThan(50_000);
      controller.abort();
      expect((await rejection(reply)).code).toBe(Code.CANCELLED);
      await eventually(() => chat.server.activeCalls === 0);
    });

    it('raw mode carries protobuf bytes untouched', async () => {
      const raw = createClient<{ ExchangeMessages: BidiMethod<Uint8Array, Uint8Array> }>(schema, 'chat.ChatService', client.transport, { raw: true });
      const msg = schema.type('chat.Message');
      const bytes = msg.encode(msg.fromObject({ content: 'raw', sender: 'r' })).finish();
      const out: Uint8Array[] = [];
      for await (const b of raw.ExchangeMessages([bytes])) out.push(b);
      expect(msg.toObject(msg.decode(out[0]!))).toEqual({ content: 'echo raw', sender: 'r' });
    });
  });
}
