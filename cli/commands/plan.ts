/** `switchyard plan`: a dry run — validates the playbook, checks connectivity, prints stages, gates and hooks. */
import type { Command } from 'commander';
import { silentLogger } from '../../src/observability/logger.js';
import type { CheckOutcome } from '../../src/playbook/prepare-checks.js';
import { formatBp, formatMs } from '../../src/rollout/format.js';
import type { GateConfig, HookSpec, PlannedStage, RolloutPlan } from '../../src/rollout/plan.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLines, table } from '../print.js';
import { addPlaybookOptions, openRolloutEnv, type PlaybookCliOptions } from '../rollout-env.js';

/** A stage's gates in a few words: `err ≤1.00%, err vs legacy α=0.01, p99 ≤1.5×, shadow ≤0.10%, reconcile ≤0, smoke`. */
export function gatesSummary(g: GateConfig): string {
  const parts: string[] = [];
  if (g.errorRate?.maxAbsolute !== undefined) parts.push(`err ≤${(g.errorRate.maxAbsolute * 100).toFixed(2)}%`);
  if (g.errorRate?.relative) parts.push(`err vs legacy α=${g.errorRate.relative.alpha}`);
  if (g.latency?.maxP99Ratio !== undefined) parts.push(`p99 ≤${g.latency.maxP99Ratio}×`);
  if (g.latency?.maxP99Ms !== undefined) parts.push(`p99 ≤${g.latency.maxP99Ms}ms`);
  if (g.shadow) parts.push(`shadow ≤${(g.shadow.maxMismatchRate * 100).toFixed(2)}%`);
  if (g.reconcile) parts.push(`reconcile ≤${g.reconcile.maxMismatches}`);
  for (const c of g.custom) parts.push(c.name);
  return parts.join(', ') || '-';
}

const hookNames = (hooks: HookSpec[]): string => hooks.map((h) => `${h.name}${h.kind === 'webhook' ? ' (webhook)' : ''}`).join(', ') || '-';

function does(s: PlannedStage): string {
  const parts: string[] = s.actions.map((a) => (a.t === 'backfill' ? `backfill ${a.tables.join(',')}${a.maxRowsPerSecond ? ` ≤${a.maxRowsPerSecond}/s` : ''}` : `checks`));
  if (s.reconcile) parts.push(`reconcile ${s.reconcile.tables.join(',')}${s.reconcile.repair ? ' +repair' : ''}`);
  return parts.join('; ') || '-';
}

function renderPlan(file: string, plan: RolloutPlan, extra: string[]): string[] {
  const rows = [['#', 'stage', 'kind', 'reads', 'writes', 'dual-write', 'hold', 'gates', 'hooks (pre / post)', 'does']];
  for (const s of plan.stages) {
    const other = Object.entries(s.split).filter(([t]) => t.startsWith('method:')).map(([t, bp]) => `${t.slice(7)} ${formatBp(bp)}`);
    rows.push([String(s.index + 1), s.name, s.kind, formatBp(s.split['class:reads']), formatBp(s.split['class:writes']) + (other.length ? ` (+${other.join(', ')})` : ''), s.dualWrite, formatMs(s.holdMs), gatesSummary(s.gates), `${hookNames(s.preStage)} / ${hookNames(s.postStage)}`, does(s)]);
  }
  return [
    `playbook   ${file}: valid`,
    ...extra,
    `controller gates every ${formatMs(plan.intervalMs)}, rollback after ${plan.stages[0]?.failureLimit ?? '-'} failures in a row, inconclusive → ${plan.onInconclusive}, lease ${formatMs(plan.leaseTtlMs)}`,
    '',
    'stages',
    ...table(rows),
    '',
    `on rollback: ${hookNames(plan.onRollback)}; on complete: ${hookNames(plan.onComplete)}`,
  ];
}

/** Registers `switchyard plan`. */
export function registerPlan(program: Command): void {
  addPlaybookOptions(program.command('plan'))
    .description('dry run: validate the playbook, check connectivity and schemas, print the stages, gates and hooks')
    .option('--offline', 'skip connectivity and schema checks')
    .option('--json', 'print the plan and checks as one JSON object')
    .action(async (opts: PlaybookCliOptions & { offline?: boolean }) => {
      const env = await openRolloutEnv(opts, { loadProto: true });
      try {
        const pb = env.loaded.playbook;
        let checks: CheckOutcome[] = [];
        if (!opts.offline) {
          const r = await env.actions.prepare({ connectivity: true, schema: true }, { migration: pb.migration, stage: 'plan', stageIndex: -1, signal: new AbortController().signal, logger: silentLogger });
          checks = (r.data?.['checks'] as CheckOutcome[] | undefined) ?? [];
        }
        const ok = checks.every((c) => c.ok);
        if (opts.json) {
          printJson({ playbook: env.loaded.file, valid: true, migration: pb.migration, control: env.control.url.redacted, plan: env.plan, checks, ok });
        } else {
          const l = pb.proxy.listeners;
          const extra = [
            `migration  ${pb.migration}${pb.description ? ` — ${pb.description}` : ''}`,
            `control    ${env.control.url.redacted}`,
            `proxy      ${[l.grpcListen && `grpc ${l.grpcListen}`, l.wsListen && `ws ${l.wsListen}${l.wsPath}`, l.adminListen && `admin ${l.adminListen}`].filter(Boolean).join(', ')}`,
            `upstreams  legacy ${pb.proxy.upstreams.legacy.transport} ${pb.proxy.upstreams.legacy.address}; next ${pb.proxy.upstreams.next.transport} ${pb.proxy.upstreams.next.address}`,
            `methods    reads: ${pb.proxy.methodClasses.reads.join(', ') || '-'}; writes: ${pb.proxy.methodClasses.writes.join(', ') || '-'}; others: ${pb.proxy.methodClasses.default}`,
          ];
          const lines = renderPlan(env.loaded.file, env.plan, extra);
          if (!opts.offline) lines.push('', 'checks', ...table(checks.map((c) => [c.ok ? 'ok' : 'FAIL', c.what, c.detail])));
          printLines(lines);
        }
        if (!ok) process.exitCode = EXIT.FAILED;
      } finally {
        await env.close();
      }
    });
}
