import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { buildPlan } from '../../../src/playbook/plan.js';

const FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../playbooks/chat/playbook.yaml');
const ENV = { LEGACY_DATABASE_URL: 'mysql://chat@127.0.0.1:3306/chat', NEXT_DATABASE_URL: 'postgres://chat@127.0.0.1:5432/chat' };

describe('playbooks/chat/playbook.yaml', () => {
  it('is valid against chat.proto and follows the documented flow', async () => {
    const loaded = await loadPlaybook(FILE, { env: ENV });
    expect(loaded.proto?.methods.has('/chat.ChatService/History')).toBe(true);
    const pb = loaded.playbook;
    expect(pb.proxy.capture.map((c) => c.method)).toEqual(['/chat.ChatService/SendMessage', '/chat.ChatService/UploadBatch', '/chat.ChatService/ExchangeMessages']);
    expect(pb.proxy.adminToken).toBeUndefined(); // ${SWITCHYARD_ADMIN_TOKEN:-} unset: admin writes disabled
    expect(pb.proxy.shadow['/chat.ChatService/History']).toMatchObject({ sampleRate: 0.1, timeout: 2000, ignore: ['sent_at'] });
    const plan = buildPlan(loaded);
    expect(plan.stages.map((s) => s.kind)).toEqual(['prepare', 'dual-write', 'backfill', 'verify', 'shift-reads', 'shift-reads', 'shift-reads', 'shift-reads', 'shift-reads', 'shift-writes', 'shift-writes', 'shift-writes', 'retire']);
    expect(plan.stages.map((s) => s.split['class:reads'])).toEqual([0, 0, 0, 0, 100, 500, 2500, 5000, 10000, 10000, 10000, 10000, 10000]);
    expect(plan.stages.at(-2)).toMatchObject({ name: 'writes-all-100%', dualWrite: 'dual-next-primary', reconcile: { tables: ['chat_messages'] } });
    expect(plan.stages.at(-1)).toMatchObject({ dualWrite: 'next-only', split: { 'class:reads': 10000, 'class:writes': 10000 } });
    expect(plan.stages[3]!.gates).toMatchObject({ reconcile: { maxMismatches: 0 }, shadow: { maxMismatchRate: 0.001 } });
    expect(plan.stages[9]!.gates.shadow).toBeUndefined();
    expect(plan.onRollback.map((h) => h.name)).toEqual(['notify-rollback']);
  });

  it('refuses to load without the datastore URLs in the environment', async () => {
    await expect(loadPlaybook(FILE, { env: {} })).rejects.toThrow(/PLAYBOOK_MISSING_ENV: .*2 problems\n {2}datastores\.legacy\.url \(line \d+\): environment variable LEGACY_DATABASE_URL is not set/);
  });
});
