import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openControl } from '../../../src/control/control-db.js';
import { listEvents } from '../../../src/control/events.js';
import { ensureChatTable, insertMessage } from '../../../src/demo/chat-store.js';
import { parsePlaybook } from '../../../src/playbook/load.js';
import { buildPlan } from '../../../src/playbook/plan.js';
import { createStageActions } from '../../../src/playbook/stage-actions.js';
import { createController } from '../../../src/rollout/controller.js';
import { createDbGateSources, createDbRolloutStore } from '../../../src/rollout/db-store.js';
import { openStore, type Store } from '../../../src/store/connect.js';
import { tempSqliteUrl } from '../../helpers/databases.js';
import { SERVICE_AND_PROXY_YAML } from './cli-harness.js';

const PLAYBOOK = (migration: string, backfill = true) => `
version: 1
migration: ${migration}
${SERVICE_AND_PROXY_YAML}
datastores:
  legacy: { url: "\${LEGACY}" }
  next: { url: "\${NEXT}" }
tables:
  chat_messages: { key: [id], version: version }
controller: { interval: 100ms, failureLimit: 1 }
stages:
  - kind: prepare
    checks: { connectivity: false, schema: true }
  - kind: dual-write
${backfill ? '  - kind: backfill\n' : ''}  - kind: verify
`;

describe('stage actions against real SQLite stores (prepare, dual-write mode, backfill, verify)', () => {
  let legacy: Store;
  let next: Store;
  let control: Store;
  const urls = { LEGACY: tempSqliteUrl('legacy'), NEXT: tempSqliteUrl('next') };
  beforeAll(async () => {
    legacy = await openStore(urls.LEGACY);
    next = await openStore(urls.NEXT);
    control = await openControl(tempSqliteUrl('control'));
    await ensureChatTable(legacy);
    for (let i = 0; i < 50; i++) await insertMessage(legacy.knex, 'chat_messages', { room: `r${i % 3}`, sender: `u${i}`, content: `hello ${i}` }, new Date(1_700_000_000_000 + i * 1000));
  });
  afterAll(async () => {
    for (const s of [legacy, next, control]) await s.close();
  });

  /** Steps the controller (real clock) until the rollout finishes, rolls back or pauses. */
  async function drive(migration: string, backfill = true) {
    const loaded = await parsePlaybook(PLAYBOOK(migration, backfill), 'pb.yaml', { env: urls, loadProto: false });
    const plan = buildPlan(loaded);
    const actions = createStageActions({ playbook: loaded.playbook, control });
    const store = createDbRolloutStore(control.knex);
    const c = createController({ plan, store, actions, sources: createDbGateSources(control.knex), owner: `t-${migration}` });
    try {
      await c.acquire();
      const deadline = Date.now() + 30_000;
      for (;;) {
        const r = await c.step();
        if (['completed', 'rolled-back', 'aborted', 'paused'].includes(r.state.status)) break;
        if (Date.now() > deadline) throw new Error(`rollout ${migration} did not settle: ${r.state.status}/${r.state.phase}`);
        if (!r.progressed) await new Promise((res) => setTimeout(res, 20));
      }
      await c.release();
      return { state: c.state()!, events: await listEvents(control.knex, { migration }) };
    } finally {
      await actions.close();
    }
  }

  it('prepare blocks the rollout when a mapped table is missing on next', async () => {
    const { state, events } = await drive('missing');
    expect(state.status).toBe('paused');
    expect(state.reason).toBe('prepare failed: 1 of 2 checks failed: table chat_messages on next (chat_messages): does not exist');
    expect(events.find((e) => e.kind === 'action.failed')?.data['checks']).toHaveLength(2);
  });

  it('sets the dual-write mode, backfills, then a consistent reconcile passes the verify gate', async () => {
    await ensureChatTable(next);
    const { state, events } = await drive('happy');
    expect(state.status).toBe('completed');
    expect(await next.knex('chat_messages').count({ n: '*' }).first()).toMatchObject({ n: 50 });
    const backfill = events.find((e) => e.kind === 'action.succeeded' && e.data['action'] === 'backfill')!;
    expect(backfill.reason).toBe('backfill action: 1 table(s), 50 rows copied in total');
    expect(events.filter((e) => e.kind === 'dualwrite.changed').map((e) => e.data['to'])).toEqual(['legacy-only', 'dual-legacy-primary']);
    const runs = await control.knex('sy_reconcile_runs').where({ migration: 'happy' });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ stage: 'verify', status: 'consistent' });
    const verified = events.find((e) => e.kind === 'gates.pass' && e.data['stage'] === 'verify')!;
    expect(verified.reason).toBe('reconcile: pass');
  });

  it('a planted difference fails the reconcile gate and rolls back to the last good stage', async () => {
    const victim = (await next.knex('chat_messages').orderBy('id').first('id')) as { id: string };
    await next.knex('chat_messages').where({ id: victim.id }).delete();
    const { state, events } = await drive('planted', false);
    expect(state.status).toBe('rolled-back');
    expect(state.reason).toMatch(/^reconcile failed 1 time\(s\) in a row: reconcile run \d+: 1 mismatched rows vs max 0$/);
    const rb = events.at(-1)!;
    expect(rb).toMatchObject({ kind: 'rollout.rolled-back', actor: 'gate:reconcile' });
    expect(rb.data['toStage']).toBe('dual-write');
  });
});
