/** The prepare stage's checks: can everything be reached, and do the mapped tables exist on both sides? */
import net from 'node:net';
import type { Store } from '../store/connect.js';
import { findColumn } from '../store/introspect.js';
import type { Playbook } from './schema/playbook.js';

/** One check's outcome. */
export interface CheckOutcome {
  what: string;
  ok: boolean;
  detail: string;
}

/** `host:port` or a ws:// URL → host and port. */
export function upstreamEndpoint(address: string): { host: string; port: number } {
  if (/^wss?:\/\//.test(address)) {
    const u = new URL(address);
    return { host: u.hostname, port: Number(u.port || (u.protocol === 'wss:' ? 443 : 80)) };
  }
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(address.slice(i + 1)) };
}

/** True when a TCP connection opens within `timeoutMs`. */
export function tcpReachable(host: string, port: number, timeoutMs = 3000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (problem: string | undefined): void => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

/** Checks both upstreams accept TCP connections. */
export async function checkUpstreams(pb: Playbook): Promise<CheckOutcome[]> {
  return Promise.all(
    (['legacy', 'next'] as const).map(async (side) => {
      const u = pb.proxy.upstreams[side];
      const { host, port } = upstreamEndpoint(u.address);
      const problem = await tcpReachable(host, port);
      return { what: `upstream ${side} (${u.transport} ${host}:${port})`, ok: !problem, detail: problem ?? 'reachable' };
    }),
  );
}

/** Checks every mapped table on one side: exists, has its key, version and mapped columns. */
export async function checkTables(pb: Playbook, side: 'legacy' | 'next', store: Store): Promise<CheckOutcome[]> {
  const out: CheckOutcome[] = [];
  for (const [name, t] of Object.entries(pb.tables)) {
    const physical = t[side] ?? name;
    const what = `table ${name} on ${side} (${physical})`;
    const info = await store.dialect.describeTable(store.knex, physical);
    if (!info) {
      out.push({ what, ok: false, detail: 'does not exist' });
      continue;
    }
    const col = (logical: string): string => t.columns?.[logical]?.[side] ?? logical;
    const key = t.key ?? info.primaryKey;
    const missing = [...key, ...(t.version ? [t.version] : []), ...(t.updatedAt ? [t.updatedAt] : []), ...Object.keys(t.columns ?? {})].map(col).filter((c) => !findColumn(info, c));
    if (key.length === 0) out.push({ what, ok: false, detail: 'has no primary key and the mapping names no key columns' });
    else if (missing.length) out.push({ what, ok: false, detail: `missing column(s) ${[...new Set(missing)].join(', ')}` });
    else out.push({ what, ok: true, detail: `${info.columns.length} columns, key (${key.join(', ')})` });
  }
  return out;
}
