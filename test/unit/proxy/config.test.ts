import { describe, expect, it } from 'vitest';
import { parseProxyConfig } from '../../../src/proxy/config.js';
import { buildMethodTable } from '../../../src/proxy/methods.js';
import { SplitTable } from '../../../src/proxy/split-table.js';
import { compileFieldReader } from '../../../src/proxy/field-path.js';
import { encodeMessage } from '../../../src/schema/codec.js';
import { chatSchema, configInput, EXCHANGE, HISTORY, methodTable, SEND, UPLOAD } from './fixtures.js';

describe('parseProxyConfig', () => {
  it('fills defaults and freezes', () => {
    const c = parseProxyConfig(configInput());
    expect(c.migration).toBe('default');
    expect(c.routing.overrideHeader).toBe('x-switchyard-route');
    expect(c.routing.drainGraceMs).toBeNull();
    expect(c.limits.maxMessageBytes).toBe(4 * 1024 * 1024);
    expect(c.admin.token).toBeNull();
    expect(Object.isFrozen(c.routing)).toBe(true);
  });

  it('names every bad field by path', () => {
    expect(() => parseProxyConfig(configInput({ routing: { splitBp: { reads: 10_001 } }, upstreams: { legacy: 'http://x:1', next: 'ws://y:2' } }))).toThrow(
      /PROXY_CONFIG_INVALID.*upstreams\.legacy: expected grpc:\/\/.*routing\.splitBp\.reads/,
    );
    expect(() => parseProxyConfig(configInput({ listen: {} }))).toThrow(/listen: at least one of grpc or ws/);
    expect(() => parseProxyConfig(configInput({ capture: { rules: [{ method: SEND, table: 't', columns: {} }] } }))).toThrow(/capture rules need both.*rules\.0\.table: table "t" is not in capture\.tables/);
  });
});

describe('buildMethodTable', () => {
  it('classes, overrides and the write-shadow safety rule', async () => {
    const t = await methodTable({
      methods: { reads: ['/chat.ChatService/History'], writes: ['chat.ChatService/Send*', UPLOAD], overrides: [{ method: EXCHANGE, class: 'chat' }, { method: UPLOAD, shadow: { safeToRepeat: true } }] },
      shadow: { sampleRate: 0.5 },
      routing: { sticky: { metadata: 'x-user-id', field: 'sender' } },
    });
    expect([...t.values()].map((m) => [m.path, m.class, m.shadow.sampleRate])).toEqual([
      [EXCHANGE, 'chat', 0.5],
      [SEND, 'writes', 0],
      [HISTORY, 'reads', 0.5],
      [UPLOAD, 'writes', 0.5],
    ]);
    expect(t.get(SEND)!.stickyMetadata).toBe('x-user-id');
    expect(t.get(SEND)!.stickyField).toBeTypeOf('function');
    expect(t.get(HISTORY)!.stickyField).toBeUndefined(); // HistoryRequest has no sender: the default field does not apply
  });

  it('rejects a pattern matching nothing and a sticky field that does not exist', async () => {
    await expect(methodTable({ methods: { reads: ['/chat.ChatService/Nope'] } })).rejects.toThrow(/methods\.reads\.0: pattern "\/chat\.ChatService\/Nope" matches no method/);
    await expect(methodTable({ routing: { sticky: { field: 'nope' } } })).rejects.toThrow(/routing\.sticky\.field: no request type .* has a field "nope"/);
    await expect(methodTable({ methods: { overrides: [{ method: EXCHANGE, sticky: { field: 'nope' } }] } })).rejects.toThrow(/sticky field for \/chat\.ChatService\/ExchangeMessages: chat\.Message has no field "nope"/);
  });
});

describe('compileFieldReader', () => {
  it('reads a scalar by dotted path, snake or camel case; empty is no key', async () => {
    const s = await chatSchema();
    const msg = s.type('chat.Message');
    const r = compileFieldReader(msg, 'sender');
    expect(r(encodeMessage(msg, { sender: 'alice', content: 'x' }))).toBe('alice');
    expect(r(encodeMessage(msg, { content: 'x' }))).toBeUndefined();
    expect(r(new Uint8Array([0xff, 0xff]))).toBeUndefined();
    const reply = s.type('chat.SendReply');
    expect(compileFieldReader(reply, 'sent_at.seconds')(encodeMessage(reply, { sentAt: '2026-01-01T00:00:00Z' }))).toBe('1767225600');
    expect(() => compileFieldReader(reply, 'sent_at')).toThrow(/is a message/);
    expect(() => compileFieldReader(s.type('chat.UploadSummary'), 'ids')).toThrow(/repeated/);
  });
});

describe('SplitTable', () => {
  it('most specific target wins; control beats config at the same level', async () => {
    const t = [...(await methodTable({ methods: { reads: [HISTORY], writes: [SEND, UPLOAD] } })).values()];
    const [exchange, send, history] = t as [typeof t[0], typeof t[0], typeof t[0]];
    const splits = new SplitTable(t, { reads: 100, default: 7 });
    expect([splits.splitOf(exchange), splits.splitOf(send), splits.splitOf(history)]).toEqual([7, 7, 100]);
    const changed = splits.applyRoutes(
      [
        { migration: 'm', target: 'class:default', splitBp: 50, version: 3, actor: 'a', reason: '', updatedAtMs: 0 },
        { migration: 'm', target: 'class:writes', splitBp: 2_000, version: 3, actor: 'a', reason: '', updatedAtMs: 0 },
        { migration: 'm', target: `method:${HISTORY}`, splitBp: 9_000, version: 3, actor: 'a', reason: '', updatedAtMs: 0 },
      ],
      3,
    );
    expect(changed).toBe(true);
    expect([splits.splitOf(exchange), splits.splitOf(send), splits.splitOf(history)]).toEqual([50, 2_000, 9_000]);
    expect(splits.effective(history)).toEqual({ splitBp: 9_000, source: `control:method:${HISTORY}` });
    expect(splits.version).toBe(3);
    expect(splits.setLocal('class:writes', 2_000)).toBe(false);
  });
});
