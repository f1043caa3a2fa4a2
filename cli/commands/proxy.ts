/**
 * `switchyard proxy`: runs the dual-serving proxy until SIGTERM/SIGINT, then shuts down
 * gracefully (refuses new calls, lets open ones finish for the grace period, flushes the
 * last metric snapshot). Configured by a playbook or by flags alone.
 */
import type { Command } from 'commander';
import { fail } from '../../src/errors.js';
import { percentToBp } from '../../src/control/routes.js';
import type { Logger } from '../../src/observability/logger.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { proxyConfigFromPlaybook } from '../../src/playbook/proxy-config.js';
import { parseProxyConfig, type ProxyConfig, type ProxyConfigInput } from '../../src/proxy/config.js';
import { engineTransports } from '../../src/proxy/engines.js';
import { listenTlsFromFiles, upstreamTlsFromFiles } from '../../src/proxy/tls-files.js';
import { startProxy } from '../../src/proxy/proxy.js';
import { cliLogger } from '../rollout-env.js';

/** Environment variable holding the admin bearer token in flags-only mode. */
export const ADMIN_TOKEN_ENV = 'SWITCHYARD_ADMIN_TOKEN';

interface ProxyCliOptions {
  playbook?: string;
  proto?: string[];
  protoPath?: string[];
  grpcListen?: string;
  wsListen?: string;
  wsPath?: string;
  adminListen?: string;
  legacy?: string;
  next?: string;
  split?: string;
  control?: string;
  migration?: string;
  proxyId?: string;
  stickyMetadata?: string;
  stickyField?: string;
  routeOverride: boolean;
  drainGraceMs?: string;
  shutdownGraceMs?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  adminTlsCert?: string;
  adminTlsKey?: string;
  adminTlsClientCa?: string;
  legacyCa?: string;
  legacyCert?: string;
  legacyKey?: string;
  legacyServerName?: string;
  nextCa?: string;
  nextCert?: string;
  nextKey?: string;
  nextServerName?: string;
}

/** The TLS flags (files read at start-up). */
const TLS_FLAGS = ['tlsCert', 'tlsKey', 'tlsClientCa', 'adminTlsCert', 'adminTlsKey', 'adminTlsClientCa', 'legacyCa', 'legacyCert', 'legacyKey', 'legacyServerName', 'nextCa', 'nextCert', 'nextKey', 'nextServerName'] as const;

const flagName = (k: string): string => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The `tls` part of the configuration from the TLS flags. */
function tlsFromFlags(o: ProxyCliOptions): NonNullable<ProxyConfigInput['tls']> {
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) throw fail('PROXY_CONFIG_INVALID', '--tls-cert and --tls-key go together');
  if (o.tlsClientCa && !o.tlsCert) throw fail('PROXY_CONFIG_INVALID', '--tls-client-ca needs --tls-cert and --tls-key (mutual TLS on a TLS listener)');
  if ((o.adminTlsCert === undefined) !== (o.adminTlsKey === undefined)) throw fail('PROXY_CONFIG_INVALID', '--admin-tls-cert and --admin-tls-key go together');
  if (o.adminTlsClientCa && !o.adminTlsCert) throw fail('PROXY_CONFIG_INVALID', '--admin-tls-client-ca needs --admin-tls-cert and --admin-tls-key (mutual TLS on a TLS admin listener)');
  // Errors name the flag: field `clientCa` of prefix `tls` → --tls-client-ca.
  const flagOf = (prefix: string) => (field: string) => flagName(`${prefix}${field[0]!.toUpperCase()}${field.slice(1)}`);
  return {
    listen: o.tlsCert && o.tlsKey ? listenTlsFromFiles({ cert: o.tlsCert, key: o.tlsKey, clientCa: o.tlsClientCa }, flagOf('tls')) : null,
    admin: o.adminTlsCert && o.adminTlsKey ? listenTlsFromFiles({ cert: o.adminTlsCert, key: o.adminTlsKey, clientCa: o.adminTlsClientCa }, flagOf('adminTls')) : null,
    upstreams: {
      legacy: upstreamTlsFromFiles({ ca: o.legacyCa, cert: o.legacyCert, key: o.legacyKey, serverName: o.legacyServerName }, flagOf('legacy')),
      next: upstreamTlsFromFiles({ ca: o.nextCa, cert: o.nextCert, key: o.nextKey, serverName: o.nextServerName }, flagOf('next')),
    },
  };
}

const collectList = (v: string, acc: string[] = []): string[] => [...acc, v];

/** Builds the proxy configuration from the options (playbook or flags). */
export async function proxyConfigFromCli(o: ProxyCliOptions, env: NodeJS.ProcessEnv = process.env): Promise<ProxyConfig> {
  const num = (flag: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw fail('PROXY_CONFIG_INVALID', `${flag}: expected a number, got "${v}"`);
    return n;
  };
  const shutdown = num('--shutdown-grace-ms', o.shutdownGraceMs);
  if (o.playbook) {
    const flagsOnly = (['proto', 'grpcListen', 'wsListen', 'adminListen', 'legacy', 'next', 'split', ...TLS_FLAGS] as const).filter((k) => o[k] !== undefined);
    if (flagsOnly.length) throw fail('PROXY_CONFIG_INVALID', `--playbook cannot be combined with ${flagsOnly.map(flagName).join(', ')}; put them in the playbook's proxy section`);
    const { playbook, dir } = await loadPlaybook(o.playbook, { env, loadProto: false });
    const input = proxyConfigFromPlaybook(playbook, { dir, ...(o.proxyId ? { proxyId: o.proxyId } : {}), ...(o.control ? { controlUrl: o.control } : {}) });
    return parseProxyConfig({ ...input, ...(shutdown !== undefined ? { shutdownGraceMs: shutdown } : {}) });
  }
  if (!o.proto?.length) throw fail('PROXY_CONFIG_INVALID', 'give --playbook FILE, or --proto FILE with the listener and upstream flags', { hint: 'switchyard proxy --proto chat.proto --grpc-listen 0.0.0.0:50051 --ws-listen 0.0.0.0:8080 --legacy grpc://10.0.0.5:50051 --next ws://10.0.0.6:8080' });
  if (!o.legacy || !o.next) throw fail('PROXY_CONFIG_INVALID', 'flags-only mode needs both --legacy and --next upstreams');
  const split = o.split === undefined ? undefined : percentToBp(Number(o.split));
  const drain = num('--drain-grace-ms', o.drainGraceMs);
  const sticky = o.stickyMetadata || o.stickyField ? { ...(o.stickyMetadata ? { metadata: o.stickyMetadata } : {}), ...(o.stickyField ? { field: o.stickyField } : {}) } : null;
  const input: ProxyConfigInput = {
    ...(o.migration ? { migration: o.migration } : {}),
    ...(o.proxyId ? { proxyId: o.proxyId } : {}),
    proto: { files: o.proto, includePaths: o.protoPath ?? [] },
    listen: { grpc: o.grpcListen ?? null, ws: o.wsListen ?? null, admin: o.adminListen ?? null, ...(o.wsPath ? { wsPath: o.wsPath } : {}) },
    upstreams: { legacy: o.legacy, next: o.next },
    tls: tlsFromFlags(o),
    routing: { ...(split !== undefined ? { splitBp: { default: split } } : {}), sticky, overrideHeader: o.routeOverride ? undefined : null, drainGraceMs: drain ?? null },
    control: { url: o.control ?? null },
    admin: { token: env[ADMIN_TOKEN_ENV] || null },
    ...(shutdown !== undefined ? { shutdownGraceMs: shutdown } : {}),
  };
  return parseProxyConfig(input);
}

/** Runs the proxy until `signal` aborts; resolves once it has stopped. */
export async function runProxy(config: ProxyConfig, logger: Logger, signal: AbortSignal): Promise<void> {
  const proxy = await startProxy(config, { transports: engineTransports(), logger });
  logger.info({ grpc: proxy.addresses.grpc, ws: proxy.addresses.ws, admin: proxy.addresses.admin, migration: config.migration, proxyId: config.proxyId }, 'switchyard proxy ready');
  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  logger.info({ graceMs: config.shutdownGraceMs }, 'shutting down: refusing new calls, letting open ones finish');
  await proxy.stop();
}

/** Registers `switchyard proxy`. */
export function registerProxy(program: Command): void {
  program
    .command('proxy')
    .description('run the dual-serving proxy (gRPC and WebSocket in, legacy and next upstreams out) until SIGTERM/SIGINT')
    .option('-p, --playbook <file>', 'playbook file (its proxy section); or configure with the flags below')
    .option('--proto <file>', '.proto file (repeatable)', collectList)
    .option('--proto-path <dir>', 'folder searched for imports (repeatable)', collectList)
    .option('--grpc-listen <host:port>', 'gRPC listener')
    .option('--ws-listen <host:port>', 'WebSocket listener')
    .option('--ws-path <path>', 'WebSocket upgrade path (default /)')
    .option('--admin-listen <host:port>', `admin HTTP listener (/healthz, /metrics, /status, PUT /split with the bearer token in $${ADMIN_TOKEN_ENV})`)
    .option('--legacy <url>', 'legacy upstream: grpc://HOST:PORT, grpcs://, ws:// or wss://')
    .option('--next <url>', 'next upstream: ws://HOST:PORT[/path], wss://, grpc:// or grpcs://')
    .option('--split <percent>', 'share of calls to next until the control database says otherwise, 0–100 (two decimals)')
    .option('--control <url>', 'control database to follow splits from and write metric snapshots to (flags mode default: none)')
    .option('--migration <name>', 'migration name: whose splits to follow (default "default")')
    .option('--proxy-id <id>', 'this proxy\'s id in snapshots (default HOSTNAME:PID)')
    .option('--sticky-metadata <key>', 'metadata key holding the sticky routing key (e.g. x-user-id)')
    .option('--sticky-field <path>', 'request field holding the sticky routing key when the metadata key is absent')
    .option('--no-route-override', 'ignore the x-switchyard-route override header')
    .option('--drain-grace-ms <ms>', 'after a split change, end streams on the old route after this long (default: never)')
    .option('--shutdown-grace-ms <ms>', 'on SIGTERM/SIGINT, let open calls finish this long (default 10000)')
    .option('--tls-cert <file>', 'PEM certificate chain: serve TLS on the gRPC and WebSocket listeners (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--tls-client-ca <file>', 'PEM CA bundle: require client certificates it signed (mutual TLS)')
    .option('--admin-tls-cert <file>', 'PEM certificate chain: serve HTTPS on the admin listener (with --admin-tls-key)')
    .option('--admin-tls-key <file>', 'PEM private key of --admin-tls-cert')
    .option('--admin-tls-client-ca <file>', 'PEM CA bundle: require admin clients to present a certificate it signed (mutual TLS)')
    .option('--legacy-ca <file>', 'PEM CA bundle that signed the legacy upstream\'s certificate (grpcs:// / wss://; default: system roots)')
    .option('--legacy-cert <file>', 'PEM client certificate for the legacy upstream (mutual TLS, with --legacy-key)')
    .option('--legacy-key <file>', 'PEM key of --legacy-cert')
    .option('--legacy-server-name <name>', 'name the legacy upstream\'s certificate must carry (default: the URL\'s host)')
    .option('--next-ca <file>', 'PEM CA bundle that signed the next upstream\'s certificate (grpcs:// / wss://; default: system roots)')
    .option('--next-cert <file>', 'PEM client certificate for the next upstream (mutual TLS, with --next-key)')
    .option('--next-key <file>', 'PEM key of --next-cert')
    .option('--next-server-name <name>', 'name the next upstream\'s certificate must carry (default: the URL\'s host)')
    .action(async (opts: ProxyCliOptions, cmd: Command) => {
      const logger = cliLogger(cmd);
      const config = await proxyConfigFromCli(opts);
      const abort = new AbortController();
      const stop = (sig: string): void => {
        if (abort.signal.aborted) logger.warn({ signal: sig }, 'already shutting down');
        abort.abort();
      };
      const onTerm = (): void => stop('SIGTERM');
      const onInt = (): void => stop('SIGINT');
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onInt);
      try {
        await runProxy(config, logger, abort.signal);
      } finally {
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
      }
    });
}
