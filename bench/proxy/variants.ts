/** The bench's settings (command-line flags) and its throughput variants. */
import type { LoadShape } from './load.js';

/** One throughput variant: what the upstream does and how the load is shaped. */
export interface Variant {
  id: string;
  /** `transport`: request bytes written back; `application`: decoded and re-encoded on the RPC API. */
  echo: 'transport' | 'application';
  shape: LoadShape;
  description: string;
}

/**
 * Every variant. The first is the bench as first built; the others make the load
 * more like production and are reported next to it, never instead of it.
 */
export const VARIANTS: readonly Variant[] = [
  {
    id: 'transport-1-stream',
    echo: 'transport',
    shape: { connections: 1, streamsPerConnection: 1, windowPerStream: 500 },
    description: 'one stream, 500 messages in flight, transport-level echo (bytes written back)',
  },
  {
    id: 'transport-64-streams',
    echo: 'transport',
    shape: { connections: 4, streamsPerConnection: 16, windowPerStream: 8 },
    description: '64 independent streams on 4 connections, 8 in flight each (512 in all), transport-level echo',
  },
  {
    id: 'application-64-streams',
    echo: 'application',
    shape: { connections: 4, streamsPerConnection: 16, windowPerStream: 8 },
    description: '64 streams as above; the upstream is an application on the RPC API that decodes each message and encodes its echo',
  },
];

const argv = process.argv.slice(2);

/** True when `--name` was given. */
export const flag = (name: string): boolean => argv.includes(`--${name}`);

const num = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};

const list = (name: string): Set<string> | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? new Set(argv[i + 1]!.split(',')) : undefined;
};

/** The run's settings. */
export const settings = {
  count: num('count', 200_000),
  runs: num('runs', 5),
  /** Warm-up messages per path before a combination's first variant (later variants: a third of it). */
  warmup: num('warmup', 300_000),
  rate: num('rate', 5_000),
  pacedMs: num('paced-ms', 3_000),
  pacedRuns: num('paced-runs', 3),
  streams: num('streams', 2_000),
  streamConnections: num('stream-connections', 4),
  streamHoldMs: num('stream-hold-ms', 3_000),
  floors: !flag('no-floors'),
};

const text = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};

/**
 * A second proxy measured in the same alternating runs (comparing two builds or settings
 * under the same machine noise): `--compare-tree DIR` runs the proxy of another checkout,
 * `--compare-env K=V,K=V` adds environment variables to its process. Undefined without either.
 */
export const alternative = ((): { tree?: string; env?: Record<string, string> } | undefined => {
  const tree = text('compare-tree');
  const env = text('compare-env');
  if (tree === undefined && env === undefined) return undefined;
  return {
    ...(tree ? { tree } : {}),
    ...(env ? { env: Object.fromEntries(env.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) } : {}),
  };
})();

/** `--only grpc-grpc,ws-ws`: the combinations to run. */
export const onlyCombinations = list('only');
/** `--variants id,id`: the variants to run. */
export const onlyVariants = list('variants');

/** The targets. */
export const TARGETS = { sameTransport: 0.75, crossed: 0.6, addedP99Ms: 1, rssMB: 300 };
