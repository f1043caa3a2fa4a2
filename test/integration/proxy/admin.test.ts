import { afterEach, describe, expect, it } from 'vitest';
import { Counter, Registry } from 'prom-client';
import { createAdminServer, tokenMatches, type AdminServer, type SplitRequest } from '../../../src/proxy/admin.js';

const TOKEN = 'a-long-enough-admin-token';
let server: AdminServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(token: string | null, healthy = true) {
  const registry = new Registry();
  new Counter({ name: 'test_calls_total', help: 'x', registers: [registry] }).inc(3);
  const changes: SplitRequest[] = [];
  server = await createAdminServer({
    host: '127.0.0.1',
    port: 0,
    token,
    registry,
    health: () => (healthy ? { ok: true } : { ok: false, reason: 'shutting down' }),
    status: async () => ({ proxyId: 'p1' }),
    setSplit: async (r) => {
      changes.push(r);
      return { version: 7, ...r };
    },
  });
  const base = `http://127.0.0.1:${server.address.port}`;
  return { base, changes };
}

const put = (url: string, body: unknown, token?: string) =>
  fetch(url, { method: 'PUT', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } });

describe('admin HTTP', () => {
  it('serves /healthz, /metrics and /status', async () => {
    const { base } = await start(TOKEN);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const m = await fetch(`${base}/metrics`);
    expect(m.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await m.text()).toMatch(/test_calls_total 3/);
    expect(await (await fetch(`${base}/status`)).json()).toEqual({ proxyId: 'p1' });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('/healthz is 503 while shutting down', async () => {
    const { base } = await start(null, false);
    const r = await fetch(`${base}/healthz`);
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ status: 'unavailable', reason: 'shutting down' });
  });

  it('PUT /split: disabled without a token, 401 on a wrong one, applied with the right one', async () => {
    const off = await start(null);
    const r0 = await put(`${off.base}/split`, { percent: 5 }, TOKEN);
    expect(r0.status).toBe(403);
    expect((await r0.json()).error).toBe('PROXY_ADMIN_WRITES_DISABLED');
    await server!.close();

    const { base, changes } = await start(TOKEN);
    expect((await put(`${base}/split`, { percent: 5 })).status).toBe(401);
    expect((await put(`${base}/split`, { percent: 5 }, `${TOKEN}x`)).status).toBe(401);
    const ok = await put(`${base}/split`, { target: 'class:reads', percent: 12.34, reason: 'manual' }, TOKEN);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ version: 7, target: 'class:reads', splitBp: 1234, reason: 'manual' });
    expect(changes).toEqual([{ target: 'class:reads', splitBp: 1234, reason: 'manual' }]);
    const bad = await put(`${base}/split`, { percent: 1.234 }, TOKEN);
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toMatch(/more than two decimals/);
    expect((await put(`${base}/split`, { target: 'rows', splitBp: 1 }, TOKEN)).status).toBe(400);
    expect((await fetch(`${base}/split`)).status).toBe(405);
  });

  it('compares tokens by content only', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches('short', TOKEN)).toBe(false);
    expect(tokenMatches('', TOKEN)).toBe(false);
  });
});
