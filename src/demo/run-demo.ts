/**
 * The end-to-end demo: the whole migration flow on one machine. Two reference chat backends
 * (legacy: gRPC + its store, seeded with history; next: WebSocket + an empty store), the
 * proxy in front of them, client traffic over both transports, and the controller walking
 * the playbook — dual-write, backfill, verify, shift reads, shift writes, retire — then the
 * audit report. With `fault`, the next backend starts failing at that stage and the gates
 * roll the rollout back.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openControl } from '../control/control-db.js';
import { listEvents, type StoredEvent } from '../control/events.js';
import { listReconcileRuns } from '../control/reconcile-runs.js';
import { Code } from '../errors.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { loadPlaybook } from '../playbook/load.js';
import { buildPlan } from '../playbook/plan.js';
import { proxyConfigFromPlaybook } from '../playbook/proxy-config.js';
import { createStageActions } from '../playbook/stage-actions.js';
import { engineTransports, parseProxyConfig, startProxy } from '../proxy/index.js';
import { renderAuditHtml } from '../rollout/audit/html.js';
import { renderAuditMarkdown } from '../rollout/audit/markdown.js';
import { readAuditTrail } from '../rollout/audit/read.js';
import { createController } from '../rollout/controller.js';
import { createDbGateSources, createDbRolloutStore } from '../rollout/db-store.js';
import type { RolloutState } from '../rollout/state.js';
import { loadProto } from '../schema/load.js';
import { openStore, type Store } from '../store/connect.js';
import { purgeNamespace } from '../store/dual/outbox.js';
import { startChatBackend, type ChatBackend } from './chat-backend.js';
import { dropChatTable, ensureChatTable, seedHistory } from './chat-store.js';
import { demoPlaybookYaml } from './demo-playbook.js';
import { describeEvent } from './describe-event.js';
import { startTraffic, type TrafficCounts } from './traffic.js';

/** Where the chat schema ships. */
export const CHAT_PROTO = fileURLToPath(new URL('../../playbooks/chat/chat.proto', import.meta.url));

/** Options for {@link runDemo}. */
export interface DemoOptions {
  /** Legacy store URL. Default: an SQLite file in `dir`. */
  legacyUrl?: string;
  /** Next store URL. Default: an SQLite file in `dir`. */
  nextUrl?: string;
  /** Working folder (control database, playbook, stores, reports). Default `.switchyard/demo-<time>`. */
  dir?: string;
  /** Table on both stores; dropped and re-created (with the demo's outbox entries). Default `switchyard_demo_messages`. */
  table?: string;
  /** Stage name at which the next backend starts failing (e.g. `reads-25%`). Default: no fault. */
  fault?: string;
  /** Share of next's calls that fail once the fault is on. Default 0.5. */
  faultRate?: number;
  /** Messages in the legacy store before the migration starts. Default 3000. */
  seedMessages?: number;
  /** Client calls per second. Default 150. */
  ratePerSec?: number;
  /** Hold of each shift stage, seconds. Default 4. */
  holdSeconds?: number;
  /** Longest the controller may run before the demo stops it, ms. Default 5 minutes. */
  timeoutMs?: number;
  /** Progress lines (one per audit event and per phase). Default: none. */
  onLine?(line: string): void;
  /** Logger for the parts. Default silent. */
  logger?: Logger;
}

/** What the demo did. */
export interface DemoResult {
  migration: string;
  /** The rollout's final state. */
  state: RolloutState;
  /** The stage the rollout ended at. */
  stage: string;
  /** The audit trail's events. */
  events: StoredEvent[];
  /** Client calls per method and status. */
  traffic: TrafficCounts;
  /** Calls each backend answered (ok / failed / injected faults). */
  backends: Record<'legacy' | 'next', ChatBackend['counts']>;
  /** The last reconcile run of the rollout (from the control database). */
  lastReconcile: { status: string; missingInNext: number; extraInNext: number; changed: number; rowsLegacy: number; rowsNext: number } | undefined;
  /** Report and playbook paths. */
  files: { dir: string; playbook: string; markdown: string; html: string };
  durationMs: number;
}

/** How long the controller may run before the demo stops it. */
export const DEFAULT_DEMO_TIMEOUT_MS = 300_000;

/** The table the demo creates on both stores unless told otherwise. */
export const DEFAULT_DEMO_TABLE = 'switchyard_demo_messages';

const USERS = Array.from({ length: 40 }, (_, i) => `user-${i + 1}`);
const ROOMS = Array.from({ length: 5 }, (_, i) => `room-${i + 1}`);

async function prepareStore(url: string, label: string, table: string, seed: number, migration: string): Promise<Store> {
  const store = await openStore(url, { label });
  // A fresh start: the table and whatever an earlier demo left in this migration's outbox.
  await purgeNamespace(store.knex, migration);
  await dropChatTable(store, table);
  await ensureChatTable(store, table);
  if (seed > 0) await seedHistory(store.knex, table, seed, { rooms: ROOMS, users: USERS });
  return store;
}

/** Runs the demo; resolves when the rollout completed, rolled back or was aborted. */
export async function runDemo(o: DemoOptions = {}): Promise<DemoResult> {
  const started = Date.now();
  const say = o.onLine ?? (() => undefined);
  const logger = o.logger ?? silentLogger;
  const dir = path.resolve(o.dir ?? path.join('.switchyard', `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`));
  mkdirSync(dir, { recursive: true });
  const table = o.table ?? DEFAULT_DEMO_TABLE;
  // The migration name is the outbox namespace in both stores: one per table, so demos on
  // other tables of the same servers never share a relay.
  const migration = table === DEFAULT_DEMO_TABLE ? 'chat-demo' : `chat-demo-${table}`;
  const legacyUrl = o.legacyUrl ?? `sqlite://${path.join(dir, 'legacy.db')}`;
  const nextUrl = o.nextUrl ?? `sqlite://${path.join(dir, 'next.db')}`;
  const controlUrl = `sqlite://${path.join(dir, 'control.db')}`;
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    const seed = o.seedMessages ?? 3000;
    say(`preparing stores: legacy ${seed} messages of history, next empty`);
    const legacyStore = await prepareStore(legacyUrl, 'legacy', table, seed, migration);
    cleanup.push(() => legacyStore.close());
    const nextStore = await prepareStore(nextUrl, 'next', table, 0, migration);
    cleanup.push(() => nextStore.close());

    const schema = await loadProto(CHAT_PROTO);
    const legacy = await startChatBackend({ name: 'legacy', transport: 'grpc', schema, store: legacyStore, table, logger });
    cleanup.push(() => legacy.shutdown());
    const next = await startChatBackend({ name: 'next', transport: 'ws', schema, store: nextStore, table, logger });
    cleanup.push(() => next.shutdown());
    say(`backends: legacy ${legacy.address} (gRPC), next ${next.address} (WebSocket)`);

    const playbookFile = path.join(dir, 'playbook.yaml');
    writeFileSync(playbookFile, demoPlaybookYaml({ migration, protoFile: CHAT_PROTO, table, holdSeconds: o.holdSeconds ?? 4 }));
    const env = {
      ...process.env,
      SWITCHYARD_CONTROL_URL: controlUrl,
      LEGACY_UPSTREAM: legacy.address.replace(/^grpc:\/\//, ''),
      NEXT_UPSTREAM: next.address,
      LEGACY_DATABASE_URL: legacyUrl,
      NEXT_DATABASE_URL: nextUrl,
    };
    const loaded = await loadPlaybook(playbookFile, { env });
    const plan = buildPlan(loaded);
    const control = await openControl(controlUrl);
    cleanup.push(() => control.close());

    const proxy = await startProxy(parseProxyConfig(proxyConfigFromPlaybook(loaded.playbook, { controlUrl, proxyId: 'demo-proxy' })), { transports: engineTransports(), logger });
    cleanup.push(() => proxy.stop(2_000));
    say(`proxy: gRPC ${proxy.addresses.grpc}, WebSocket ${proxy.addresses.ws}, admin http://${proxy.addresses.admin}/status`);

    const traffic = startTraffic({ schema, grpcUrl: `grpc://${proxy.addresses.grpc}`, wsUrl: `ws://${proxy.addresses.ws}/`, ratePerSec: o.ratePerSec ?? 150 });
    cleanup.push(() => traffic.stop());
    say(`traffic: ${o.ratePerSec ?? 150} calls/s from ${USERS.length} users, half over gRPC and half over WebSocket`);

    const actions = createStageActions({ playbook: loaded.playbook, control });
    cleanup.push(() => actions.close());
    const controller = createController({ plan, store: createDbRolloutStore(control.knex, { stageName: (i) => plan.stages[i]?.name ?? '' }), actions, sources: createDbGateSources(control.knex), logger });
    await controller.acquire();

    // Follow the audit trail: print each event, and switch the fault on when its stage starts.
    let lastId = 0;
    let faultOn = false;
    let lastGates = '';
    const follow = async (): Promise<void> => {
      for (const e of await listEvents(control.knex, { migration, afterId: lastId })) {
        lastId = e.id;
        // Gates are evaluated every interval: print an evaluation only when its outcome changes.
        const gates = e.kind.startsWith('gates.') ? `${String(e.data['stage'])} ${e.kind} ${e.reason}` : '';
        if (!gates || gates !== lastGates) say(describeEvent(e, started));
        if (gates) lastGates = gates;
        if (o.fault && !faultOn && e.kind.startsWith('stage.enter') && e.data['stage'] === o.fault) {
          faultOn = true;
          next.setFault({ errorRate: o.faultRate ?? 0.5, code: Code.INTERNAL });
          say(`fault: the next backend now fails ${Math.round((o.faultRate ?? 0.5) * 100)}% of its calls with INTERNAL`);
        }
      }
    };
    // A paused rollout waits for an operator; the demo has none, so it stops there (as it
    // does when it runs past its time limit) and reports where it stood.
    const stop = new AbortController();
    const limit = setTimeout(() => {
      say(`the demo ran past ${(o.timeoutMs ?? DEFAULT_DEMO_TIMEOUT_MS) / 1000} s; stopping the controller`);
      stop.abort();
    }, o.timeoutMs ?? DEFAULT_DEMO_TIMEOUT_MS);
    const ticker = setInterval(
      () =>
        void follow()
          .then(() => {
            if (controller.state()?.status === 'paused' && !stop.signal.aborted) {
              say('the rollout paused (it needs an operator: `switchyard resume`); stopping the demo here');
              stop.abort();
            }
          })
          .catch(() => undefined),
      250,
    );
    let state: RolloutState;
    try {
      state = await controller.run(stop.signal);
    } finally {
      clearInterval(ticker);
      clearTimeout(limit);
    }
    await follow();

    const counts = await traffic.stop();
    const stage = plan.stages[state.stageIndex]?.name ?? String(state.stageIndex);
    const trail = await readAuditTrail(control.knex, migration);
    const files = { dir, playbook: playbookFile, markdown: path.join(dir, 'report.md'), html: path.join(dir, 'report.html') };
    if (trail) {
      writeFileSync(files.markdown, renderAuditMarkdown(trail));
      writeFileSync(files.html, renderAuditHtml(trail));
    }
    const runs = await listReconcileRuns(control.knex, { migration });
    const last = runs[0];
    return {
      migration,
      state,
      stage,
      events: await listEvents(control.knex, { migration }),
      traffic: counts,
      backends: { legacy: { ...legacy.counts }, next: { ...next.counts } },
      lastReconcile: last && { status: last.status, missingInNext: last.missingInNext, extraInNext: last.extraInNext, changed: last.changed, rowsLegacy: last.rowsLegacy, rowsNext: last.rowsNext },
      files,
      durationMs: Date.now() - started,
    };
  } finally {
    for (const close of cleanup.reverse()) await close().catch((err: Error) => logger.warn({ err: err.message }, 'demo cleanup step failed'));
  }
}
