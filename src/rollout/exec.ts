/** Running a shell command or an HTTP request with a timeout: what hooks and custom checks do. */
import { spawn } from 'node:child_process';

/** Result of {@link runShell}. */
export interface ShellResult {
  /** Exit code; null when killed by a signal. */
  exitCode: number | null;
  /** True when the timeout killed it. */
  timedOut: boolean;
  /** Last bytes of stdout and stderr (at most 2 KiB each). */
  stdoutTail: string;
  stderrTail: string;
  durationMs: number;
}

const TAIL_BYTES = 2048;
/** After SIGTERM on timeout, SIGKILL follows after this long. */
const KILL_GRACE_MS = 2000;

function tail(buf: string, more: Buffer): string {
  const s = buf + more.toString('utf8');
  return s.length > TAIL_BYTES ? s.slice(s.length - TAIL_BYTES) : s;
}

/**
 * Runs `command` with /bin/sh in its own process group; on timeout (or abort) the whole
 * group gets SIGTERM, then SIGKILL after 2 s. Never rejects for the command's own failure.
 */
export function runShell(command: string, options: { cwd?: string; env?: Record<string, string>; timeoutMs: number; signal?: AbortSignal }): Promise<ShellResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd: options.cwd, env: { ...process.env, ...options.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdoutTail = '';
    let stderrTail = '';
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => (stdoutTail = tail(stdoutTail, d)));
    child.stderr.on('data', (d: Buffer) => (stderrTail = tail(stderrTail, d)));
    const killGroup = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        /* already gone */
      }
    };
    const stop = (): void => {
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    const onAbort = (): void => stop();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (exitCode: number | null, spawnError?: Error): void => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ exitCode, timedOut, stdoutTail, stderrTail: spawnError ? spawnError.message : stderrTail, durationMs: Date.now() - started });
    };
    child.once('error', (err) => finish(null, err));
    child.once('close', (code) => finish(code));
  });
}

/** Result of {@link httpRequest}. */
export interface HttpResult {
  /** HTTP status; null when no response came (refused, timeout). */
  status: number | null;
  timedOut: boolean;
  /** The network error, when there was one. */
  error?: string;
  durationMs: number;
}

/** Sends one HTTP request with a timeout. Never rejects. */
export async function httpRequest(url: string, options: { method: 'GET' | 'POST'; body?: unknown; headers?: Record<string, string>; timeoutMs: number; signal?: AbortSignal }): Promise<HttpResult> {
  const started = Date.now();
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  try {
    const res = await fetch(url, {
      method: options.method,
      headers: { ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      signal,
    });
    await res.arrayBuffer().catch(() => undefined);
    return { status: res.status, timedOut: false, durationMs: Date.now() - started };
  } catch (err) {
    const timedOut = timeout.aborted;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { status: null, timedOut, error: timedOut ? 'timed out' : (cause?.code ?? cause?.message ?? (err as Error).message), durationMs: Date.now() - started };
  }
}

/** `http://user:pass@host/x?token=…` → `http://host/x` (no credentials or query in logs). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
