/**
 * Summarises a V8 `.cpuprofile` (from `npm run bench:proxy -- --cpu-prof`): self time by
 * function and by source file, so the proxy's cost per message can be attributed.
 *
 *     npx tsx bench/proxy/analyze-profile.ts bench-data/proxy-prof/<file>.cpuprofile [--top 30] [--skip-ms 5000] [--no-idle]
 *
 * `--skip-ms` leaves out the first milliseconds (start-up, module loading, warm-up);
 * `--no-idle` leaves idle time out of the percentages.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const file = process.argv[2];
if (!file) throw new Error('usage: analyze-profile.ts FILE.cpuprofile [--top N]');
const topIdx = process.argv.indexOf('--top');
const top = topIdx > 0 ? Number(process.argv[topIdx + 1]) : 30;
const skipIdx = process.argv.indexOf('--skip-ms');
const skipUs = skipIdx > 0 ? Number(process.argv[skipIdx + 1]) * 1000 : 0;
const noIdle = process.argv.includes('--no-idle');
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
let at = 0;
p.samples.forEach((id, i) => {
  at += p.timeDeltas[i] ?? 0;
  if (at < skipUs) return;
  if (noIdle && byId.get(id)?.callFrame.functionName === '(idle)') return;
  self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);

const short = (url: string): string => url.replace(/^.*\/work\/main\//, '').replace(/^file:\/\//, '') || '(native)';
const fnKey = (n: ProfileNode): string => `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const agg = (key: (n: ProfileNode) => string): Array<[string, number]> => {
  const m = new Map<string, number>();
  for (const [id, t] of self) {
    const n = byId.get(id)!;
    m.set(key(n), (m.get(key(n)) ?? 0) + t);
  }
  return [...m].sort((a, b) => b[1] - a[1]);
};
const pct = (t: number): string => `${((100 * t) / total).toFixed(1).padStart(5)} %`;
console.log(`total sampled ${(total / 1000).toFixed(0)} ms`);
console.log('\nself time by file');
for (const [k, t] of agg((n) => short(n.callFrame.url).replace(/node_modules\/([^/]+)\/.*/, 'node_modules/$1')).slice(0, top)) console.log(`${pct(t)}  ${k}`);
console.log('\nself time by function');
for (const [k, t] of agg(fnKey).slice(0, top)) console.log(`${pct(t)}  ${k}`);
