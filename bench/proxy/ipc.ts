/**
 * The bench's process plumbing: every role runs in its own process (forked with tsx) and
 * answers requests over IPC, so client, proxy and upstream never share an event loop.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A request to a child and its answer. */
export interface Envelope {
  id: number;
  body: unknown;
}

/** A forked role with request/response over IPC. */
export class Child {
  private nextId = 1;
  private readonly waiting = new Map<number, (body: unknown) => void>();
  readonly exited: Promise<number | null>;

  constructor(readonly process: ChildProcess) {
    process.on('message', (m: Envelope) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      w?.(m.body);
    });
    this.exited = new Promise((resolve) => process.once('exit', (code) => resolve(code)));
  }

  /** Sends a request; resolves with the child's answer. */
  ask<T>(body: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, resolve as (b: unknown) => void);
      this.process.send({ id, body } satisfies Envelope, (err) => err && reject(err));
      void this.exited.then((code) => reject(new Error(`bench child exited (${code}) before answering ${JSON.stringify(body)}`)));
    });
  }

  /** Asks the child to exit (so --cpu-prof profiles get written) and waits. */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null) return;
    this.process.send({ id: 0, body: { op: 'exit' } });
    const t = setTimeout(() => this.process.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(t);
  }
}

/** Where and how a role runs when not from this checkout with this environment. */
export interface SpawnOptions {
  /** Another checkout whose `bench/proxy/roles.ts` to run (comparing builds in one run). Default: this one. */
  tree?: string;
  /** Extra environment variables. Default: none. */
  env?: Record<string, string>;
}

/** Forks `roles.ts` in `role`, with extra Node flags. */
export function spawnRole(role: string, execArgv: string[] = [], options: SpawnOptions = {}): Child {
  const file = options.tree ? path.resolve(options.tree, 'bench/proxy/roles.ts') : fileURLToPath(new URL('./roles.ts', import.meta.url));
  const env = options.env ? { ...process.env, ...options.env } : process.env;
  return new Child(fork(file, [role], { env, execArgv: ['--import', 'tsx', ...(process.env['BENCH_PRELOAD'] ? ['--import', process.env['BENCH_PRELOAD']] : []), ...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
}

/** In a child: answers requests with `handle`. */
export function serveRequests(handle: (body: Record<string, unknown>) => Promise<unknown>): void {
  process.on('message', (m: Envelope) => {
    const body = m.body as Record<string, unknown>;
    if (body['op'] === 'exit') {
      process.exit(0);
    }
    handle(body).then(
      (answer) => process.send!({ id: m.id, body: answer }),
      (err: unknown) => process.send!({ id: m.id, body: { error: String((err as Error)?.stack ?? err) } }),
    );
  });
}

/** CPU time of this process since `base`, µs. */
export function cpuSinceUs(base: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(base);
  return u.user + u.system;
}

