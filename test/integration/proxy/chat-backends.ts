/**
 * Reference chat backends for the proxy's integration tests: a handler that stores every
 * sent message in its own store (legacy: MariaDB behind gRPC; next: PostgreSQL behind
 * WebSocket) and answers as the chat service does.
 */
import { fileURLToPath } from 'node:url';
import type { Store } from '../../../src/store/connect.js';
import { insertMessage } from '../../../src/demo/chat-store.js';
import { decodeToObject, encodeMessage } from '../../../src/schema/codec.js';
import { loadProto, type ProtoSchema } from '../../../src/schema/load.js';
import { okStatus, status } from '../../../src/transport/status.js';
import { Code } from '../../../src/errors.js';
import type { CallHandler } from '../../../src/transport/transport.js';

export const CHAT_PROTO = fileURLToPath(new URL('../../../playbooks/chat/chat.proto', import.meta.url));
export const SEND = { path: '/chat.ChatService/SendMessage', kind: 'unary' as const };
export const EXCHANGE = { path: '/chat.ChatService/ExchangeMessages', kind: 'bidi' as const };

let schema: Promise<ProtoSchema> | undefined;
export function chatSchema(): Promise<ProtoSchema> {
  return (schema ??= loadProto(CHAT_PROTO));
}

/** `YYYY-MM-DD HH:MM:SS.mmm` (UTC) → RFC 3339. */
export function isoFromSql(s: string): string {
  return `${s.replace(' ', 'T')}Z`;
}

/** A chat backend writing `table` of `store`: SendMessage stores and answers id + timestamp; ExchangeMessages echoes. */
export async function chatBackend(store: Store, table: string): Promise<CallHandler> {
  const s = await chatSchema();
  const Message = s.type('chat.Message');
  const SendReply = s.type('chat.SendReply');
  return (call) => {
    if (call.method === EXCHANGE.path) {
      call.listen({ onMessage: (m) => call.write(m), onHalfClose: () => call.end(okStatus()) });
      return;
    }
    const requests: Uint8Array[] = [];
    call.listen({
      onMessage: (m) => requests.push(m),
      onHalfClose: () => {
        const msg = decodeToObject<{ room: string; sender: string; content: string }>(Message, requests[0]!);
        insertMessage(store.knex, table, msg).then(
          (row) => {
            call.write(encodeMessage(SendReply, { id: row.id, sentAt: isoFromSql(row.sent_at) }));
            call.end(okStatus());
          },
          (err: Error) => call.end(status(Code.UNAVAILABLE, `store write failed: ${err.message}`)),
        );
      },
    });
  };
}
