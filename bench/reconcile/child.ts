/** Runs the real CLI in a child process, sampling its resident memory from /proc. */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The CLI entry: `bin/switchyard.js` (TypeScript through tsx in a checkout). */
export const TSX_ENTRY = path.join(ROOT, 'bin/switchyard.js');

/**
 * Compiles the CLI to JavaScript (no type check) under bench-data/, as an installed package
 * runs it (`bin/switchyard.js` runs `dist/cli/main.js` when it exists); returns the entry.
 */
export function compileCli(): string {
  const out = path.join(ROOT, 'bench-data/reconcile-dist');
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', out, '--noCheck', '--sourceMap', 'false', '--declaration', 'false'], { stdio: 'ignore' });
  return path.join(out, 'cli/main.js');
}

function rssKb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    return hwm ? Number(hwm[1]) : 0;
  } catch {
    return 0;
  }
}

/** Result of one CLI run. */
export interface CliRun {
  wallMs: number;
  code: number | null;
  stdout: string;
  stderr: string;
  peakRssMb: number;
}

/** Runs `switchyard <args>` from `entry`; wall time from spawn to exit, peak RSS (VmHWM) sampled every 20 ms. */
export function runSwitchyard(entry: string, args: readonly string[]): Promise<CliRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let peak = 0;
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const timer = setInterval(() => (peak = Math.max(peak, rssKb(child.pid!))), 20);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      clearInterval(timer);
      child.once('close', () => resolve({ wallMs: performance.now() - t0, code, stdout, stderr, peakRssMb: Math.round(peak / 1024) }));
    });
  });
}
