import { describe, expect, it } from 'vitest';
import { loadProto } from '../../../src/schema/load.js';
import { bytesToJson, decodeToObject, encodeMessage, jsonToBytes } from '../../../src/schema/codec.js';

const CHAT = new URL('../../../playbooks/chat/chat.proto', import.meta.url).pathname;

describe('loadProto', () => {
  it('loads the chat service with every call kind and the well-known Timestamp import', async () => {
    const schema = await loadProto(CHAT);
    const svc = schema.service('chat.ChatService');
    expect(svc.methods.map((m) => [m.name, m.kind])).toEqual([
      ['ExchangeMessages', 'bidi'],
      ['SendMessage', 'unary'],
      ['History', 'server-stream'],
      ['UploadBatch', 'client-stream'],
    ]);
    expect(schema.methods.get('/chat.ChatService/SendMessage')?.responseType.fullName).toBe('.chat.SendReply');
  });

  it('names the missing file', async () => {
    await expect(loadProto('/nope/missing.proto')).rejects.toThrow(/SCHEMA_LOAD_FAILED.*missing\.proto/);
  });
});

describe('codec', () => {
  it('round-trips binary and proto3 JSON, with Timestamp as RFC 3339', async () => {
    const schema = await loadProto(CHAT);
    const reply = schema.type('chat.SendReply');
    const bytes = jsonToBytes(reply, { id: 'm1', sentAt: '2026-01-02T03:04:05.123Z' });
    expect(bytesToJson(reply, bytes)).toEqual({ id: 'm1', sentAt: '2026-01-02T03:04:05.123Z' });
    const msg = schema.type('chat.Message');
    expect(decodeToObject(msg, encodeMessage(msg, { content: 'hi', sender: 'ann' }))).toEqual({ content: 'hi', sender: 'ann', room: '', id: '', sentAt: null });
  });

  it('names the field path of a bad value', async () => {
    const schema = await loadProto(CHAT);
    expect(() => encodeMessage(schema.type('chat.HistoryRequest'), { limit: 'lots' })).toThrow(/HistoryRequest.*limit/);
  });
});
