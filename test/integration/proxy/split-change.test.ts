import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openControl } from '../../../src/control/control-db.js';
import { setSplits } from '../../../src/control/routes.js';
import { parseProxyConfig, type ProxyConfigInput } from '../../../src/proxy/config.js';
import { engineTransports } from '../../../src/proxy/engines.js';
import { startProxy, type RunningProxy } from '../../../src/proxy/proxy.js';
import type { Store } from '../../../src/store/connect.js';
import { createGrpcClient, createGrpcServer } from '../../../src/transport/grpc/index.js';
import { createWsClient, createWsServer } from '../../../src/transport/ws/index.js';
import { Metadata } from '../../../src/transport/metadata.js';
import { okStatus, type Status } from '../../../src/transport/status.js';
import type { CallHandler, ClientCall, ClientTransport, ServerTransport } from '../../../src/transport/transport.js';
import { callWith, eventually, sleep } from '../../helpers/calls.js';
import { tempSqliteUrl, uniqueTable } from '../../helpers/databases.js';
import { CHAT_PROTO, chatSchema, EXCHANGE } from './chat-backends.js';

const tagged = (name: string): CallHandler => (call) => {
  call.sendHeaders(Metadata.from({ 'x-served-by': name }));
  call.listen({ onMessage: (m) => call.write(m), onHalfClose: () => call.end(okStatus(Metadata.from({ 'x-served-by': name }))) });
};

let control: Store;
const controlUrl = tempSqliteUrl('split');
const servers: ServerTransport[] = [];
const proxies: RunningProxy[] = [];
const clients: ClientTransport[] = [];
let upstreams: { legacy: string; next: string };

beforeAll(async () => {
  control = await openControl(controlUrl);
  const methods = [...(await chatSchema()).methods.values()];
  const g = createGrpcServer({ methods, handler: tagged('legacy'), maxConcurrentStreams: 2_000 });
  const w = createWsServer({ methods, handler: tagged('next'), maxConcurrentStreams: 2_000 });
  servers.push(g, w);
  upstreams = { legacy: `grpc://127.0.0.1:${(await g.listen()).port}`, next: `ws://127.0.0.1:${(await w.listen()).port}` };
});
afterAll(async () => {
  for (const c of clients) await c.close();
  for (const p of proxies) await p.stop(0);
  for (const s of servers) await s.shutdown(0);
  await control.close();
});

async function proxyFor(migration: string, extra: Partial<ProxyConfigInput> = {}): Promise<RunningProxy> {
  const p = await startProxy(
    parseProxyConfig({
      migration,
      proto: { files: [CHAT_PROTO] },
      listen: { grpc: '127.0.0.1:0', ws: '127.0.0.1:0' },
      upstreams,
      routing: { sticky: { metadata: 'x-user-id' } },
      control: { url: controlUrl, pollIntervalMs: 50 },
      ...extra,
    }),
    { transports: engineTransports() },
  );
  proxies.push(p);
  return p;
}

interface OpenStream {
  call: ClientCall;
  user: string;
  startedOn?: string;
  echoes: number;
  sent: number;
  status?: Status;
}

function openStream(client: ClientTransport, user: string): OpenStream {
  const s: OpenStream = { call: client.start(EXCHANGE, { metadata: Metadata.from({ 'x-user-id': user }) }), user, echoes: 0, sent: 0 };
  s.call.listen({ onHeaders: (h) => (s.startedOn = h.getText('x-served-by')), onMessage: () => s.echoes++, onStatus: (st) => (s.status = st) });
  return s;
}

const setSplit = (migration: string, splitBp: number) => setSplits(control.knex, [{ migration, target: 'class:default', splitBp, actor: 'controller', reason: `test ${splitBp}` }]);

describe('split changes with open streams', () => {
  it('500 open streams: split changes drop none, open streams stay put, new calls follow the split at once', async () => {
    const migration = uniqueTable('m');
    await setSplit(migration, 0);
    const proxy = await proxyFor(migration);
    const g = createGrpcClient({ address: proxy.addresses.grpc! });
    const w = createWsClient({ address: proxy.addresses.ws! });
    clients.push(g, w);
    const streams = Array.from({ length: 500 }, (_, i) => openStream(i % 2 ? g : w, `user-${i}`));
    const ping = (): void => streams.forEach((s) => s.call.write(new Uint8Array([10, 1, 65])) && s.sent++);
    ping();
    await eventually(() => streams.every((s) => s.echoes >= 1), 'every stream to echo once');
    expect(streams.every((s) => s.startedOn === 'legacy')).toBe(true);
    for (const bp of [2_500, 5_000, 10_000]) {
      await setSplit(migration, bp);
      await sleep(150); // a poll interval or two
      ping();
      // New calls follow the new split at once: at 100 % every key goes to next.
      if (bp === 10_000) {
        const r = await callWith(g, EXCHANGE, [new Uint8Array([10, 1, 66])], { metadata: Metadata.from({ 'x-user-id': 'user-3' }) });
        expect(r.status.trailers.getText('x-served-by')).toBe('next');
      }
    }
    await eventually(() => streams.every((s) => s.echoes === s.sent), 'every ping to be echoed');
    expect(streams.filter((s) => s.status !== undefined)).toEqual([]); // nothing ended on its own
    streams.forEach((s) => s.call.halfClose());
    await eventually(() => streams.every((s) => s.status !== undefined), 'every stream to end');
    expect(streams.filter((s) => s.status!.code !== 0).map((s) => s.status)).toEqual([]);
    expect(streams.every((s) => s.status!.trailers.getText('x-served-by') === 'legacy')).toBe(true); // stayed where they started
  }, 60_000);

  it('drain: with a grace period, streams on the old route end UNAVAILABLE (retryable) and come back on the new one', async () => {
    const migration = uniqueTable('m');
    await setSplit(migration, 0);
    const proxy = await proxyFor(migration, { routing: { sticky: { metadata: 'x-user-id' }, drainGraceMs: 200 } });
    const w = createWsClient({ address: proxy.addresses.ws! });
    clients.push(w);
    const streams = Array.from({ length: 50 }, (_, i) => openStream(w, `u${i}`));
    streams.forEach((s) => s.call.write(new Uint8Array([10, 1, 65])));
    await eventually(() => streams.every((s) => s.echoes === 1), 'first echoes');
    await setSplit(migration, 5_000);
    await eventually(() => streams.filter((s) => s.status).length > 0, 'drained streams to end', 5_000);
    await sleep(300);
    const ended = streams.filter((s) => s.status);
    const kept = streams.filter((s) => !s.status);
    expect(ended.length).toBeGreaterThan(5);
    expect(kept.length).toBeGreaterThan(5);
    for (const s of ended) expect(s.status).toMatchObject({ code: 14, message: expect.stringMatching(/split changed.*retry/) });
    // The retry lands on next; the kept ones are the keys that still belong on legacy.
    for (const s of ended.slice(0, 5)) {
      const again = openStream(w, s.user);
      again.call.write(new Uint8Array([10, 1, 65]));
      await eventually(() => again.echoes === 1, 'the retry to echo');
      expect(again.startedOn).toBe('next');
      again.call.halfClose();
    }
    const status = (await proxy.status()) as { drainedStreams: number };
    expect(status.drainedStreams).toBe(ended.length);
    kept.forEach((s) => s.call.halfClose());
    await eventually(() => kept.every((s) => s.status?.code === 0), 'kept streams to end OK');
  });
});
