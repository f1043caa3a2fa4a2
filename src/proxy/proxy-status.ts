/**
 * The proxy's running totals and the `GET /status` document built from them.
 */
import { codeName } from '../errors.js';
import type { UpstreamName } from '../control/snapshots.js';
import { bpToPercent } from '../control/routes.js';
import type { ClientTransport } from '../transport/transport.js';
import { SERVER_FAULT_CODES, type FinishedCall, type Gateway } from './gateway.js';
import type { ProxyMethod } from './methods.js';
import type { ShadowResult } from './shadow.js';
import type { SplitTable } from './split-table.js';

/** Totals since start. */
export class ProxyTotals {
  readonly calls: Record<UpstreamName, number> = { legacy: 0, next: 0 };
  readonly errors: Record<UpstreamName, number> = { legacy: 0, next: 0 };
  readonly codes: Record<UpstreamName, Record<string, number>> = { legacy: {}, next: {} };
  readonly shadow = { compared: 0, mismatched: 0, dropped: 0 };
  readonly capture = { enqueued: 0, failed: 0 };
  rejected = 0;
  drained = 0;

  callFinished(f: FinishedCall): void {
    if (f.endedBy === 'drain') this.drained++;
    if (!f.upstream) return;
    this.calls[f.upstream]++;
    const n = codeName(f.status.code);
    this.codes[f.upstream][n] = (this.codes[f.upstream][n] ?? 0) + 1;
    if (SERVER_FAULT_CODES.has(f.status.code) && !f.endedBy) this.errors[f.upstream]++;
  }

  shadowResult(r: ShadowResult): void {
    if (r.outcome.t === 'dropped') this.shadow.dropped++;
    else this.shadow.compared++;
    if (r.outcome.t === 'mismatch') this.shadow.mismatched++;
  }
}

/** What `buildStatus` reads. */
export interface StatusSources {
  proxyId: string;
  migration: string;
  state: 'serving' | 'stopping';
  startedAtMs: number;
  listeners: Record<string, string | null>;
  upstreams: Readonly<Record<UpstreamName, ClientTransport>>;
  upstreamUrls: Readonly<Record<UpstreamName, string>>;
  gateway: Gateway;
  splits: SplitTable;
  methods: readonly ProxyMethod[];
  routes: { control: boolean; listening: boolean };
  totals: ProxyTotals;
  shadowInFlight: number;
  outbox?: () => Promise<unknown>;
}

/** The `GET /status` document. */
export async function buildStatus(s: StatusSources): Promise<Record<string, unknown>> {
  const upstream = (u: UpstreamName) => ({
    url: s.upstreamUrls[u],
    transport: s.upstreams[u].name,
    connection: s.upstreams[u].state.t,
    openCalls: s.gateway.openCalls(u),
    calls: s.totals.calls[u],
    errors: s.totals.errors[u],
    codes: s.totals.codes[u],
  });
  return {
    proxyId: s.proxyId,
    migration: s.migration,
    state: s.state,
    uptimeSeconds: Math.round((Date.now() - s.startedAtMs) / 1000),
    listeners: s.listeners,
    upstreams: { legacy: upstream('legacy'), next: upstream('next') },
    routes: {
      source: s.routes.control ? (s.routes.listening ? 'control database (poll + LISTEN)' : 'control database (poll)') : 'configuration and PUT /split',
      version: s.splits.version,
      targets: Object.fromEntries([...s.splits.controlSplits].map(([t, bp]) => [t, { splitBp: bp, percent: bpToPercent(bp) }])),
      methods: s.methods.map((m) => {
        const e = s.splits.effective(m);
        return { method: m.path, class: m.class, splitBp: e.splitBp, percent: bpToPercent(e.splitBp), source: e.source };
      }),
    },
    drainedStreams: s.totals.drained,
    rejectedCalls: s.totals.rejected,
    shadow: { ...s.totals.shadow, inFlight: s.shadowInFlight },
    capture: { ...s.totals.capture, outbox: s.outbox ? await s.outbox().catch((e: Error) => ({ error: e.message })) : null },
  };
}
