/** Runs the real `switchyard` CLI as a child process (tsx), for kill-and-resume and CLI tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, copyFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = path.join(ROOT, 'cli/main.ts');
// tsx's loader by absolute URL: the child runs in a temp folder where `tsx` does not resolve.
const TSX = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/**
 * The `service` and `proxy` sections every test playbook needs: the chat service and two
 * unreachable upstreams (no proxy is started by these tests). Further `proxy` keys may follow.
 */
export const SERVICE_AND_PROXY_YAML = `service: { protos: [chat.proto] }
proxy:
  listeners: { grpcListen: 127.0.0.1:50051 }
  upstreams:
    legacy: { transport: grpc, address: 127.0.0.1:1 }
    next: { transport: ws, address: 127.0.0.1:2 }`;

/** A running CLI process with its output collected. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Starts `switchyard <args>` in `cwd`. */
export function startCli(args: string[], options: { cwd: string; env?: Record<string, string> }): CliProcess {
  const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Runs `switchyard <args>` to completion. */
export async function runCli(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = startCli(args, options);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** A temp folder holding `playbook.yaml` (the text given) and a copy of the chat `.proto`. */
export function playbookDir(text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'switchyard-pb-'));
  copyFileSync(path.join(ROOT, 'playbooks/chat/chat.proto'), path.join(dir, 'chat.proto'));
  writeFileSync(path.join(dir, 'playbook.yaml'), text);
  return dir;
}

/** Polls `check` every 100 ms until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
