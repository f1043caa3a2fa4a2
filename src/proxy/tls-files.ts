/**
 * TLS material named by file in a playbook or on the command line, read once at start-up
 * into the PEM text {@link ProxyConfig} takes. Errors name the setting and the file, never
 * the file's contents.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fail } from '../errors.js';
import type { ProxyConfigInput } from './config.js';

type TlsInput = NonNullable<ProxyConfigInput['tls']>;
type ListenTlsInput = NonNullable<TlsInput['listen']>;
type UpstreamTlsInput = NonNullable<NonNullable<TlsInput['upstreams']>['legacy']>;

/** Listener TLS files. */
export interface ListenTlsFiles {
  cert: string;
  key: string;
  clientCa?: string | undefined;
}

/** Upstream TLS files (and the server name). */
export interface UpstreamTlsFiles {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  serverName?: string | undefined;
}

const PEM = /-----BEGIN [A-Z0-9 ]+-----/;

/** Reads a PEM file; `setting` names where it was configured (e.g. `--tls-cert`). Relative paths resolve against `dir`. */
export function readPemFile(file: string, setting: string, dir: string = process.cwd()): string {
  const full = path.resolve(dir, file);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw fail('PROXY_CONFIG_INVALID', `${setting}: cannot read ${full} (${e.code ?? e.message})`);
  }
  if (!PEM.test(text)) throw fail('PROXY_CONFIG_INVALID', `${setting}: ${full} is not a PEM file (no "-----BEGIN ...-----" line)`);
  return text;
}

/** Listener TLS from files; `prefix` names the settings (`proxy.listeners.tls` → `proxy.listeners.tls.cert`). */
export function listenTlsFromFiles(f: ListenTlsFiles, prefix: (field: string) => string, dir?: string): ListenTlsInput {
  return {
    cert: readPemFile(f.cert, prefix('cert'), dir),
    key: readPemFile(f.key, prefix('key'), dir),
    ...(f.clientCa ? { clientCa: readPemFile(f.clientCa, prefix('clientCa'), dir) } : {}),
  };
}

/** Upstream TLS from files; null when nothing is set (system roots, no client certificate). */
export function upstreamTlsFromFiles(f: UpstreamTlsFiles, prefix: (field: string) => string, dir?: string): UpstreamTlsInput | null {
  if (!f.ca && !f.cert && !f.key && !f.serverName) return null;
  return {
    ...(f.ca ? { ca: readPemFile(f.ca, prefix('ca'), dir) } : {}),
    ...(f.cert ? { cert: readPemFile(f.cert, prefix('cert'), dir) } : {}),
    ...(f.key ? { key: readPemFile(f.key, prefix('key'), dir) } : {}),
    ...(f.serverName ? { serverName: f.serverName } : {}),
  };
}
