import { describe, expect, it } from 'vitest';
import { BASE, ENV, issues, parse, parseError } from './fixtures.js';

describe('playbook validation', () => {
  it('accepts the base playbook, fills defaults and resolves paths against its folder', async () => {
    const { playbook: pb } = await parse(BASE);
    expect(pb.migration).toBe('chat');
    expect(pb.service.protos).toEqual(['/srv/pb/chat.proto']);
    expect(pb.proxy.routeOverride).toEqual({ header: 'x-switchyard-route', enabled: true });
    expect(pb.proxy.snapshotInterval).toBe(5000);
    expect(pb.controller).toMatchObject({ interval: 30_000, failureLimit: 3, onInconclusive: 'pause' });
    expect(pb.proxy.adminToken).toBe('tok-123');
    expect(pb.datastores?.legacy.url).toBe(ENV.LEGACY_URL);
  });

  it('names the field path, the line and what was expected, for every problem at once', async () => {
    const bad = BASE.replace('hold: 10m', 'hold: ten minutes')
      .replace('transport: ws,', 'transport: wss,')
      .replace('version: 1\n', 'version: 2\n')
      .replace('  methodClasses:', '  methodClases:');
    const e = await parseError(bad);
    expect(e.id).toBe('PLAYBOOK_INVALID');
    expect(issues(e)).toEqual([
      'version: expected version: 1, got 2',
      'proxy.upstreams.next.transport: Invalid option: expected one of "grpc"|"ws", got "wss"',
      'proxy.methodClases: unknown field (did you mean "methodClasses"?)',
      'stages[4].hold: expected a duration with a unit, like "250ms", "30s", "5m" or "1h30m", got "ten minutes"',
    ]);
    const lines = (e.details['issues'] as Array<{ line?: number }>).map((i) => i.line);
    expect(lines).toEqual([2, 9, 10, 26]);
    expect(e.message).toMatch(/test\.yaml: 4 problems\n {2}version \(line 2\): expected version: 1, got 2/);
    expect(e.hint).toMatch(/switchyard schema/);
  });

  it('reports missing required fields and wrong types inside stages', async () => {
    const e = await parseError(BASE.replace('steps: [1, 50, 100]', 'steps: [1, 150]').replace('  - kind: retire', '  - kind: retire\n    failureLimit: 0\n  - kind: nonsense'));
    expect(issues(e)).toEqual([
      'stages[4].steps[1]: expected a percentage from 0 to 100, got 150',
      'stages[6].failureLimit: expected a number above 0, got 0',
      'stages[7].kind: Invalid discriminator value. Expected \'prepare\' | \'dual-write\' | \'backfill\' | \'verify\' | \'shift-reads\' | \'shift-writes\' | \'shift\' | \'retire\'',
    ]);
    const missing = await parseError(BASE.replace('  upstreams:\n    legacy: { transport: grpc, address: 127.0.0.1:50061 }\n', '  upstreams:\n'));
    expect(issues(missing)).toEqual(['proxy.upstreams.legacy: required: expected object']);
  });

  it('percentages keep at most two decimals (0.01 % granularity)', async () => {
    expect((await parse(BASE.replace('steps: [1, 50, 100]', 'steps: [0.25, 100]'))).playbook.stages[4]).toMatchObject({ steps: [0.25, 100] });
    expect(issues(await parseError(BASE.replace('steps: [1, 50, 100]', 'steps: [0.125, 100]')))).toEqual(['stages[4].steps[0]: expected at most two decimals (granularity is 0.01 %), got 0.125']);
  });

  it('checks cross-field rules: overlapping classes, unsafe shadows, unknown tables, flow order', async () => {
    const text = BASE.replace('writes: [/chat.ChatService/SendMessage]', 'writes: [/chat.ChatService/SendMessage, /chat.ChatService/History]')
      .replace('  adminToken:', '  shadow:\n    /chat.ChatService/SendMessage: { sampleRate: 0.1 }\n  capture:\n    - { method: /chat.ChatService/SendMessage, table: msgs, columns: { id: response.id } }\n  adminToken:')
      .replace('  - kind: backfill', '  - kind: backfill\n    tables: [messages, other]');
    expect(issues(await parseError(text))).toEqual([
      'proxy.methodClasses.writes[1]: /chat.ChatService/History is listed as both a read and a write',
      'proxy.shadow["/chat.ChatService/SendMessage"].safeToRepeat: /chat.ChatService/SendMessage is a write: shadowing sends it twice, so it needs safeToRepeat: true (only if repeating it is harmless)',
      'proxy.capture[0].table: unknown table "msgs": expected one of the logical tables under "tables" (messages)',
      'stages[2].tables[1]: unknown table "other": expected one of messages',
    ]);
  });

  it('refuses a backfill before dual writes, and stages out of flow order', async () => {
    const noDual = BASE.replace('  - kind: dual-write\n', '');
    expect(issues(await parseError(noDual))).toEqual([
      'stages[1].kind: a backfill needs dual writes in effect (mode is legacy-only): put a dual-write stage before it, or writes made during the copy are lost on the next side',
    ]);
    const order = BASE.replace('  - kind: prepare\n', '').replace('  - kind: retire', '  - kind: retire\n  - kind: prepare');
    expect(issues(await parseError(order))).toEqual(['stages[5].kind: a retire stage must be the last stage', 'stages[6].kind: a prepare stage must be the first stage']);
    const dupe = BASE.replace('    steps: [100]', '    steps: [100]\n  - kind: shift\n    name: writes-100%\n    split: { writes: 100 }');
    expect(issues(await parseError(dupe))[0]).toMatch(/stages\[6\]\.name: expected a name of letters/); // '%' is not allowed in names you write
  });

  it('expands shift steps into stages with cumulative splits and kind defaults', async () => {
    const { buildPlan } = await import('../../../src/playbook/plan.js');
    const plan = buildPlan(await parse(BASE));
    expect(plan.stages.map((s) => s.name)).toEqual(['prepare', 'dual-write', 'backfill', 'verify', 'reads-1%', 'reads-50%', 'reads-100%', 'writes-100%', 'retire']);
    expect(plan.stages.map((s) => `${s.split['class:reads']}/${s.split['class:writes']}`)).toEqual(['0/0', '0/0', '0/0', '0/0', '100/0', '5000/0', '10000/0', '10000/10000', '10000/10000']);
    expect(plan.stages.map((s) => s.dualWrite)).toEqual(['legacy-only', 'dual-legacy-primary', 'dual-legacy-primary', 'dual-legacy-primary', 'dual-legacy-primary', 'dual-legacy-primary', 'dual-legacy-primary', 'dual-legacy-primary', 'next-only']);
    expect(plan.stages[3]).toMatchObject({ reconcile: { tables: ['messages'], repair: false }, gates: { reconcile: { maxMismatches: 0 } } });
    expect(plan.stages[2]!.actions).toEqual([{ t: 'backfill', tables: ['messages'], maxRowsPerSecond: undefined }]);
    expect(plan.stages[4]!.holdMs).toBe(600_000);
    expect(plan.stages[7]!.holdMs).toBe(300_000); // shift default
  });

  it('merges playbook-wide gates with a stage\'s overrides field by field', async () => {
    const { buildPlan } = await import('../../../src/playbook/plan.js');
    const text = BASE.replace('stages:\n', 'gates:\n  errorRate: { maxAbsolute: 0.01, minCalls: 500 }\n  shadow: { maxMismatchRate: 0.001, enabled: false }\n  custom: [{ name: smoke, command: ./smoke.sh }]\nstages:\n').replace(
      '    hold: 10m',
      '    hold: 10m\n    gates:\n      errorRate: { maxAbsolute: 0.05 }\n      shadow: { enabled: true }\n      latency: { maxP99: 250ms }',
    );
    const plan = buildPlan(await parse(text));
    const reads = plan.stages[4]!.gates;
    expect(reads.errorRate).toEqual({ maxAbsolute: 0.05, relative: undefined, minCalls: 500 });
    expect(reads.shadow).toEqual({ maxMismatchRate: 0.001, minCompared: 100 });
    expect(reads.latency).toEqual({ maxP99Ratio: undefined, maxP99Ms: 250, minCalls: 100 });
    expect(reads.custom).toEqual([{ name: 'smoke', kind: 'command', command: './smoke.sh', url: undefined, expectStatus: [], timeoutMs: 30_000, cwd: '/srv/pb' }]);
    expect(plan.stages[0]!.gates.shadow).toBeUndefined();
  });
});
