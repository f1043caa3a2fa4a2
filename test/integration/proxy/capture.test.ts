import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChatTable } from '../../../src/demo/chat-store.js';
import { decodeToObject, encodeMessage } from '../../../src/schema/codec.js';
import { openStore, type Store } from '../../../src/store/connect.js';
import { createGrpcServer } from '../../../src/transport/grpc/index.js';
import { createWsServer, createWsClient } from '../../../src/transport/ws/index.js';
import { Metadata } from '../../../src/transport/metadata.js';
import type { ServerTransport } from '../../../src/transport/transport.js';
import { parseProxyConfig } from '../../../src/proxy/config.js';
import { startProxy, type RunningProxy } from '../../../src/proxy/proxy.js';
import { engineTransports } from '../../../src/proxy/engines.js';
import { MYSQL_URL, POSTGRES_URL, requireDatabase, uniqueTable } from '../../helpers/databases.js';
import { startDatabaseRelay, type DatabaseRelay } from '../../helpers/tcp-relay.js';
import { callWith, sleep } from '../../helpers/calls.js';
import { CHAT_PROTO, chatBackend, chatSchema, SEND } from './chat-backends.js';

const table = uniqueTable('sy_px_cap');
const namespace = table;
let ok = false;
let legacy: Store;
let next: Store;
let relay: DatabaseRelay;
const servers: ServerTransport[] = [];
let proxy: RunningProxy | undefined;

/** A DATETIME(3) / timestamptz(3) value as epoch ms, whatever form the driver returns. */
function utcMs(v: unknown): number {
  if (v instanceof Date) return v.getTime();
  const t = String(v).replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  return Date.parse(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(t) ? t : `${t}Z`);
}

async function ids(store: Store): Promise<string[]> {
  const rows = (await store.knex(table).select('id').orderBy('id')) as Array<{ id: string }>;
  return rows.map((r) => r.id);
}

beforeAll(async () => {
  ok = (await requireDatabase(MYSQL_URL)) && (await requireDatabase(POSTGRES_URL));
  if (!ok) return;
  legacy = await openStore(MYSQL_URL, { label: 'legacy' });
  next = await openStore(POSTGRES_URL, { label: 'next' });
  await ensureChatTable(legacy, table);
  await ensureChatTable(next, table);
  const schema = await chatSchema();
  const methods = [...schema.methods.values()];
  const g = createGrpcServer({ methods, handler: await chatBackend(legacy, table) });
  const w = createWsServer({ methods, handler: await chatBackend(next, table) });
  servers.push(g, w);
  const [ga, wa] = [await g.listen(), await w.listen()];
  relay = await startDatabaseRelay(POSTGRES_URL);
  const config = parseProxyConfig({
    migration: table,
    proto: { files: [CHAT_PROTO] },
    listen: { ws: '127.0.0.1:0' },
    upstreams: { legacy: `grpc://127.0.0.1:${ga.port}`, next: `ws://127.0.0.1:${wa.port}` },
    methods: { writes: [SEND.path] },
    capture: {
      legacyStore: MYSQL_URL,
      nextStore: relay.wrap(POSTGRES_URL),
      namespace,
      tables: { messages: { legacyTable: table, nextTable: table, key: ['id'], versionColumn: 'version' } },
      rules: [{ method: SEND.path, table: 'messages', columns: { id: 'response.id', room: 'request.room', sender: 'request.sender', content: 'request.content', sent_at: 'response.sent_at', version: { value: 1 } } }],
    },
  });
  proxy = await startProxy(config, { transports: engineTransports() });
});

afterAll(async () => {
  await proxy?.stop();
  for (const s of servers) await s.shutdown(0);
  await relay?.close();
  if (!ok) return;
  for (const s of [legacy, next]) {
    await s.knex.schema.dropTableIfExists(table);
    await s.knex('sy_outbox').where('namespace', namespace).del().catch(() => undefined);
    await s.close();
  }
});

async function send(route: 'legacy' | 'next', content: string): Promise<string> {
  const s = await chatSchema();
  const client = createWsClient({ address: proxy!.addresses.ws! });
  try {
    const r = await callWith(client, SEND, [encodeMessage(s.type('chat.Message'), { room: 'r1', sender: 'alice', content })], { metadata: Metadata.from({ 'x-switchyard-route': route }) });
    expect(r.status.code).toBe(0);
    return decodeToObject<{ id: string }>(s.type('chat.SendReply'), r.messages[0]!).id;
  } finally {
    await client.close();
  }
}

describe('write capture through the proxy (MariaDB legacy, PostgreSQL next)', () => {
  it('a write served by either upstream lands in both stores, identical', async () => {
    if (!ok) return;
    const a = await send('legacy', 'served by legacy');
    const b = await send('next', 'served by next');
    const want = [a, b].sort();
    for (let i = 0; i < 200; i++) {
      if (JSON.stringify(await ids(legacy)) === JSON.stringify(want) && JSON.stringify(await ids(next)) === JSON.stringify(want)) break;
      await sleep(50);
    }
    expect(await ids(legacy)).toEqual(want);
    expect(await ids(next)).toEqual(want);
    const norm = (rows: Array<Record<string, unknown>>) => rows.map((r) => ({ ...r, sent_at: utcMs(r['sent_at']), version: Number(r['version']) }));
    const cols = ['id', 'room', 'sender', 'content', 'sent_at', 'version'];
    expect(norm(await next.knex(table).select(cols).orderBy('id'))).toEqual(norm(await legacy.knex(table).select(cols).orderBy('id')));
  });

  it('with the other store down, writes still succeed and land there after it returns', async () => {
    if (!ok) return;
    relay.cut();
    const during = [await send('legacy', 'while next is down 1'), await send('legacy', 'while next is down 2'), await send('legacy', 'while next is down 3')];
    const st = (await proxy!.status()) as { capture: { enqueued: number; failed: number } };
    expect(st.capture.failed).toBe(0);
    await sleep(500);
    const nextNow = await ids(next);
    for (const id of during) expect(nextNow).not.toContain(id);
    relay.restore();
    for (let i = 0; i < 300; i++) {
      const have = await ids(next);
      if (during.every((id) => have.includes(id))) break;
      await sleep(100);
    }
    const have = await ids(next);
    for (const id of during) expect(have).toContain(id);
    expect(await ids(next)).toEqual(await ids(legacy));
  });
});
