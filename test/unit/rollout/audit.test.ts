import { describe, expect, it } from 'vitest';
import { renderAuditHtml } from '../../../src/rollout/audit/html.js';
import { renderAuditMarkdown } from '../../../src/rollout/audit/markdown.js';
import { buildAuditTrail } from '../../../src/rollout/audit/model.js';
import { createRig, failing, healthy } from './fakes.js';

const MIN = 60_000;

describe('audit trail rendering', () => {
  it('summarises each stage attempt: passed, rolled back by a gate, retried after a manual resume', async () => {
    const rig = await createRig();
    await rig.run(3 * MIN, MIN, failing(rig)); // reads-10% rolls back
    await rig.command('resume', {}, 'user:dana');
    await rig.run(11 * MIN, MIN, healthy(rig)); // retried and held
    const trail = buildAuditTrail('chat', rig.store.events, null, rig.clock.now());
    expect(trail.attempts.map((a) => [a.stage, a.outcome, a.by, a.gateFailures])).toEqual([
      ['dual-write', 'passed', 'controller', 0],
      ['reads-10%', 'rolled back', 'gate:errorRate', 6],
      ['reads-10%', 'passed', 'controller', 0],
      ['reads-100%', 'in progress', '', 0],
    ]);
    expect(trail.notable.map((e) => e.kind)).toEqual(['rollback.started', 'rollout.rolled-back', 'command.applied', 'rollout.resumed']);
    const md = renderAuditMarkdown(trail);
    expect(md).toMatch(/^\| 2 \| reads-10% \| .+ \| rolled back \| .+ \| gate:errorRate \| 6 \| errorRate failed 3 time\(s\) in a row: next error rate 20\.00% \(40\/200\)/m);
    expect(md).toMatch(/- .+ \*\*rollout\.resumed\*\* by `user:dana` at reads-10%: resumed by user:dana$/m);
  });

  it('escapes what it prints', () => {
    const events = [{ id: 1, atMs: 0, migration: 'm', component: 'controller', actor: 'user:<b>', kind: 'rollout.paused', reason: 'a | b <script>x</script>', data: { stage: 's' } }];
    const trail = buildAuditTrail('m', events, null, 0);
    expect(renderAuditMarkdown(trail)).toContain('a \\| b <script>');
    const html = renderAuditHtml(trail);
    expect(html).toContain('a | b &lt;script&gt;x&lt;/script&gt;');
    expect(html).toContain('user:&lt;b&gt;');
    expect(html).not.toContain('<script>');
  });
});
