import { describe, expect, it } from 'vitest';
import { createCapture, type MirrorWriter } from '../../../src/proxy/capture.js';
import { createGateway } from '../../../src/proxy/gateway.js';
import { SplitTable } from '../../../src/proxy/split-table.js';
import { encodeMessage } from '../../../src/schema/codec.js';
import { Metadata } from '../../../src/transport/metadata.js';
import { okStatus, status } from '../../../src/transport/status.js';
import { Code } from '../../../src/errors.js';
import type { CallHandler } from '../../../src/transport/transport.js';
import type { WriteOp } from '../../../src/store/dual/dual-writer.js';
import { EXCHANGE, methodTable, SEND, UPLOAD } from './fixtures.js';
import { collect, MemoryChannel, memoryCall } from './memory-transport.js';

const TABLES = { messages: {} };

async function setup(rules: unknown[], upstream: CallHandler, writer: MirrorWriter) {
  const methods = await methodTable({ capture: { legacyStore: 'sqlite::memory:', nextStore: 'sqlite::memory:', tables: TABLES, rules: rules as never } });
  const capture = createCapture({ methods, writer, ackTimeoutMs: 1_000 });
  const upstreams = { legacy: new MemoryChannel(upstream), next: new MemoryChannel(upstream) };
  const gateway = createGateway({ methods, splits: new SplitTable([...methods.values()], {}), upstreams, overrideHeader: null, drainGraceMs: null, tapFor: (c) => capture.tapFor(c) });
  return { gateway, methods };
}

function recorder(delayMs = 0) {
  const ops: Array<{ op: WriteOp; from: string }> = [];
  const writer: MirrorWriter = { mirror: async (op, o) => { await new Promise((r) => setTimeout(r, delayMs)); ops.push({ op, from: o.from }); } };
  return { ops, writer };
}

describe('capture', () => {
  it('unary: builds the row from request, response (Timestamp → Date) and metadata; status waits for the outbox entry', async () => {
    const { ops, writer } = recorder(30);
    const methods = await methodTable();
    const reply = methods.get(SEND)!.responseType;
    const msg = methods.get(SEND)!.requestType;
    const { gateway } = await setup(
      [{ method: SEND, table: 'messages', columns: { id: 'response.id', room: 'request.room', content: 'request.content', sent_at: 'response.sent_at', who: 'metadata.x-user', v: { value: 1 } } }],
      (call) => call.listen({ onMessage: () => undefined, onHalfClose: () => (call.write(encodeMessage(reply, { id: 'm1', sentAt: '2026-01-02T03:04:05.678Z' })), call.end(okStatus())) }),
      writer,
    );
    const c = memoryCall(gateway.handler, { path: SEND, kind: 'unary' }, { metadata: Metadata.from({ 'x-user': 'u7' }) });
    const r = collect(c);
    c.write(encodeMessage(msg, { room: 'r', content: 'hello' }));
    c.halfClose();
    await r.status;
    expect(ops).toEqual([{ from: 'legacy', op: { op: 'upsert', table: 'messages', row: { id: 'm1', room: 'r', content: 'hello', sent_at: new Date('2026-01-02T03:04:05.678Z'), who: 'u7', v: 1 } } }]);
  });

  it('client stream: one row per request message, response.ids[$index]; nothing when the call fails', async () => {
    const { ops, writer } = recorder();
    const methods = await methodTable();
    const sum = methods.get(UPLOAD)!.responseType;
    const msg = methods.get(UPLOAD)!.requestType;
    let fail = false;
    const { gateway } = await setup(
      [{ method: UPLOAD, table: 'messages', each: 'request-message', columns: { id: 'response.ids[$index]', content: 'request.content' } }],
      (call) => {
        let n = 0;
        call.listen({ onMessage: () => n++, onHalfClose: () => (fail ? call.end(status(Code.INTERNAL, 'x')) : (call.write(encodeMessage(sum, { accepted: n, ids: Array.from({ length: n }, (_, i) => `id${i}`) })), call.end(okStatus()))) });
      },
      writer,
    );
    for (const f of [false, true]) {
      fail = f;
      const c = memoryCall(gateway.handler, { path: UPLOAD, kind: 'client-stream' });
      const r = collect(c);
      for (const t of ['a', 'b', 'c']) c.write(encodeMessage(msg, { content: t }));
      c.halfClose();
      await r.status;
    }
    expect(ops.map((o) => o.op)).toEqual(['a', 'b', 'c'].map((t, i) => ({ op: 'upsert', table: 'messages', row: { id: `id${i}`, content: t } })));
  });

  it('bidi with response[$index]: each row is captured as its response arrives', async () => {
    const { ops, writer } = recorder();
    const methods = await methodTable();
    const msg = methods.get(EXCHANGE)!.requestType;
    const { gateway } = await setup(
      [{ method: EXCHANGE, table: 'messages', each: 'request-message', columns: { id: 'response[$index].content', sender: 'request.sender' } }],
      (call) => call.listen({ onMessage: (m) => call.write(m), onHalfClose: () => call.end(okStatus()) }),
      writer,
    );
    const c = memoryCall(gateway.handler, { path: EXCHANGE, kind: 'bidi' });
    const r = collect(c);
    c.write(encodeMessage(msg, { content: 'x1', sender: 's' }));
    await new Promise((res) => setTimeout(res, 20));
    expect(ops).toHaveLength(1); // before the stream ends
    c.write(encodeMessage(msg, { content: 'x2', sender: 's' }));
    c.halfClose();
    await r.status;
    expect(ops.map((o) => o.op)).toEqual([
      { op: 'upsert', table: 'messages', row: { id: 'x1', sender: 's' } },
      { op: 'upsert', table: 'messages', row: { id: 'x2', sender: 's' } },
    ]);
  });

  it('rejects a source naming a field the type does not have', async () => {
    const { writer } = recorder();
    await expect(setup([{ method: SEND, table: 'messages', columns: { id: 'response.nope' } }], () => undefined, writer)).rejects.toThrow(/capture rule for \/chat\.ChatService\/SendMessage, column "id": response\.nope: chat\.SendReply has no field "nope"/);
  });
});
