/** Hooks (pre-stage, post-stage, on-rollback, on-complete) and custom checks, for real. */
import type { CheckRunner } from './gates/evaluate.js';
import type { CheckResult } from './gates/types.js';
import type { CustomCheckSpec, HookSpec, SplitState } from './plan.js';
import { httpRequest, runShell, safeUrl } from './exec.js';

/** Where in the flow a hook runs. */
export type HookPoint = 'preStage' | 'postStage' | 'onRollback' | 'onComplete';

/** What a hook is told. */
export interface HookContext {
  migration: string;
  point: HookPoint;
  stage: string;
  stageIndex: number;
  /** Why the transition happens. */
  reason: string;
  /** The split in effect after the transition. */
  split: SplitState;
}

/** Result of a hook. */
export interface HookResult {
  ok: boolean;
  /** One line for the audit trail (exit code, HTTP status, timeout); never a secret. */
  detail: string;
  durationMs: number;
}

/** Runs hooks. */
export interface HookRunner {
  run(hook: HookSpec, context: HookContext, signal?: AbortSignal): Promise<HookResult>;
}

/** Environment variables a command hook gets. */
export function hookEnv(ctx: HookContext): Record<string, string> {
  return {
    SWITCHYARD_MIGRATION: ctx.migration,
    SWITCHYARD_HOOK: ctx.point,
    SWITCHYARD_STAGE: ctx.stage,
    SWITCHYARD_STAGE_INDEX: String(ctx.stageIndex),
    SWITCHYARD_REASON: ctx.reason,
    SWITCHYARD_SPLIT: JSON.stringify(ctx.split),
  };
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 200);
}

/** The real hook runner: /bin/sh commands and HTTP POST webhooks. */
export function createHookRunner(): HookRunner {
  return {
    async run(hook, ctx, signal) {
      if (hook.kind === 'command') {
        const r = await runShell(hook.command ?? '', { cwd: hook.cwd, env: hookEnv(ctx), timeoutMs: hook.timeoutMs, signal });
        const ok = r.exitCode === 0 && !r.timedOut;
        const detail = r.timedOut ? `timed out after ${hook.timeoutMs} ms` : `exit code ${r.exitCode ?? 'none (killed)'}${ok ? '' : `: ${lastLine(r.stderrTail || r.stdoutTail)}`}`;
        return { ok, detail, durationMs: r.durationMs };
      }
      const body = { migration: ctx.migration, hook: ctx.point, stage: ctx.stage, stageIndex: ctx.stageIndex, reason: ctx.reason, split: ctx.split, atMs: Date.now() };
      const r = await httpRequest(hook.url ?? '', { method: 'POST', body, headers: hook.headers, timeoutMs: hook.timeoutMs, signal });
      const ok = r.status !== null && r.status >= 200 && r.status < 300;
      const where = safeUrl(hook.url ?? '');
      return { ok, detail: r.status === null ? `POST ${where}: ${r.timedOut ? `timed out after ${hook.timeoutMs} ms` : r.error}` : `POST ${where}: HTTP ${r.status}`, durationMs: r.durationMs };
    },
  };
}

/** The real custom-check runner. */
export function createCheckRunner(): CheckRunner {
  return {
    async run(check: CustomCheckSpec, signal?: AbortSignal): Promise<CheckResult> {
      if (check.kind === 'command') {
        const r = await runShell(check.command ?? '', { cwd: check.cwd, timeoutMs: check.timeoutMs, signal });
        if (r.timedOut) return { ok: false, detail: `timed out after ${check.timeoutMs} ms` };
        return { ok: r.exitCode === 0, detail: `exit code ${r.exitCode ?? 'none (killed)'}${r.exitCode === 0 ? '' : `: ${lastLine(r.stderrTail || r.stdoutTail)}`}` };
      }
      const r = await httpRequest(check.url ?? '', { method: 'GET', timeoutMs: check.timeoutMs, signal });
      const where = safeUrl(check.url ?? '');
      if (r.status === null) return { ok: false, detail: `GET ${where}: ${r.timedOut ? `timed out after ${check.timeoutMs} ms` : r.error}` };
      const ok = check.expectStatus.length ? check.expectStatus.includes(r.status) : r.status >= 200 && r.status < 300;
      return { ok, detail: `GET ${where}: HTTP ${r.status}` };
    },
  };
}
