/** Shared fixtures for the proxy unit tests: the chat schema and a method table built from a config. */
import { loadProto, type ProtoSchema } from '../../../src/schema/load.js';
import { parseProxyConfig, type ProxyConfigInput } from '../../../src/proxy/config.js';
import { buildMethodTable, type ProxyMethod } from '../../../src/proxy/methods.js';

export const CHAT_PROTO = new URL('../../../playbooks/chat/chat.proto', import.meta.url).pathname;
export const SEND = '/chat.ChatService/SendMessage';
export const EXCHANGE = '/chat.ChatService/ExchangeMessages';
export const HISTORY = '/chat.ChatService/History';
export const UPLOAD = '/chat.ChatService/UploadBatch';

let schema: Promise<ProtoSchema> | undefined;
export function chatSchema(): Promise<ProtoSchema> {
  schema ??= loadProto(CHAT_PROTO);
  return schema;
}

/** A minimal valid config, merged with `extra`. */
export function configInput(extra: Partial<ProxyConfigInput> = {}): ProxyConfigInput {
  return { proto: { files: [CHAT_PROTO] }, listen: { grpc: '127.0.0.1:0' }, upstreams: { legacy: 'grpc://127.0.0.1:1', next: 'ws://127.0.0.1:2' }, ...extra };
}

export async function methodTable(extra: Partial<ProxyConfigInput> = {}): Promise<ReadonlyMap<string, ProxyMethod>> {
  return buildMethodTable(await chatSchema(), parseProxyConfig(configInput(extra)));
}
