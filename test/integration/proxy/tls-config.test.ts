/**
 * TLS settings from the two edges that name PEM files: `switchyard proxy` flags and the
 * playbook's `proxy:` section. Files are read at start-up; errors name the setting and the
 * path, never the contents.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { proxyConfigFromCli } from '../../../cli/commands/proxy.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { proxyConfigFromPlaybook } from '../../../src/playbook/proxy-config.js';
import { parseProxyConfig } from '../../../src/proxy/config.js';
import { testCertificates, type TestCertificates } from '../../helpers/tls-certs.js';
import { CHAT_PROTO } from './chat-backends.js';

const PLAYBOOK = fileURLToPath(new URL('../../../playbooks/chat/playbook.yaml', import.meta.url));
const ENV = { LEGACY_DATABASE_URL: 'mysql://root@127.0.0.1:3306/test', NEXT_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' };

describe('TLS files in the proxy configuration', () => {
  let certs: TestCertificates;
  let dir: string;
  const file = (name: string): string => path.join(dir, name);
  beforeAll(() => {
    certs = testCertificates();
    dir = mkdtempSync(path.join(tmpdir(), 'switchyard-tls-config-'));
    const files: Record<string, string> = { 'ca.crt': certs.caCert, 'server.crt': certs.serverCert, 'server.key': certs.serverKey, 'client.crt': certs.clientCert, 'client.key': certs.clientKey, 'not-pem.txt': 'hello' };
    for (const [name, text] of Object.entries(files)) writeFileSync(file(name), text);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const flags = { proto: [CHAT_PROTO], grpcListen: '127.0.0.1:0', legacy: 'grpcs://10.0.0.5:50051', next: 'wss://10.0.0.6:8443/', routeOverride: true };

  it('flags: reads listener and upstream PEM files into the configuration', async () => {
    const config = await proxyConfigFromCli({ ...flags, tlsCert: file('server.crt'), tlsKey: file('server.key'), tlsClientCa: file('ca.crt'), legacyCa: file('ca.crt'), legacyCert: file('client.crt'), legacyKey: file('client.key'), nextCa: file('ca.crt'), nextServerName: 'next.internal' }, {});
    expect(config.tls).toEqual({
      listen: { cert: certs.serverCert, key: certs.serverKey, clientCa: certs.caCert },
      admin: null,
      upstreams: { legacy: { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey }, next: { ca: certs.caCert, serverName: 'next.internal' } },
    });
    expect((await proxyConfigFromCli(flags, {})).tls).toEqual({ listen: null, admin: null, upstreams: { legacy: null, next: null } });
  });

  it('flags: the admin listener takes its own certificate and client CA', async () => {
    const admin = { ...flags, adminListen: '127.0.0.1:0' };
    const config = await proxyConfigFromCli({ ...admin, adminTlsCert: file('server.crt'), adminTlsKey: file('server.key'), adminTlsClientCa: file('ca.crt') }, {});
    expect(config.tls.admin).toEqual({ cert: certs.serverCert, key: certs.serverKey, clientCa: certs.caCert });
    expect(config.tls.listen).toBeNull();
    await expect(proxyConfigFromCli({ ...admin, adminTlsCert: file('server.crt') }, {})).rejects.toThrow('--admin-tls-cert and --admin-tls-key go together');
    await expect(proxyConfigFromCli({ ...admin, adminTlsClientCa: file('ca.crt') }, {})).rejects.toThrow('--admin-tls-client-ca needs --admin-tls-cert and --admin-tls-key');
    await expect(proxyConfigFromCli({ ...admin, adminTlsCert: file('not-pem.txt'), adminTlsKey: file('server.key') }, {})).rejects.toThrow(`--admin-tls-cert: ${file('not-pem.txt')} is not a PEM file`);
    await expect(proxyConfigFromCli({ ...flags, adminTlsCert: file('server.crt'), adminTlsKey: file('server.key') }, {})).rejects.toThrow(/tls\.admin: TLS settings for the admin listener, but listen\.admin is not set/);
  });

  it('flags: an unreadable or non-PEM file, or half a key pair, is refused naming the flag and the file only', async () => {
    await expect(proxyConfigFromCli({ ...flags, legacyCa: file('missing.crt') }, {})).rejects.toThrow(`--legacy-ca: cannot read ${file('missing.crt')} (ENOENT)`);
    const notPem = proxyConfigFromCli({ ...flags, tlsCert: file('not-pem.txt'), tlsKey: file('server.key') }, {});
    await expect(notPem).rejects.toThrow(`--tls-cert: ${file('not-pem.txt')} is not a PEM file`);
    await expect(notPem).rejects.not.toThrow(/hello/);
    await expect(proxyConfigFromCli({ ...flags, tlsCert: file('server.crt') }, {})).rejects.toThrow('--tls-cert and --tls-key go together');
    await expect(proxyConfigFromCli({ ...flags, nextCert: file('client.crt') }, {})).rejects.toThrow(/tls\.upstreams\.next: cert and key go together/);
    await expect(proxyConfigFromCli({ ...flags, legacy: 'grpc://10.0.0.5:50051', legacyCa: file('ca.crt') }, {})).rejects.toThrow(/tls\.upstreams\.legacy: TLS settings for a plaintext upstream/);
    await expect(proxyConfigFromCli({ playbook: PLAYBOOK, routeOverride: true, tlsCert: file('server.crt') }, ENV)).rejects.toThrow(/--playbook cannot be combined with --tls-cert/);
  });

  /** The chat playbook with `edit` applied, written next to the TLS files. */
  function playbookWith(edit: (proxy: Record<string, any>) => void): string {
    const doc = parseYaml(readFileSync(PLAYBOOK, 'utf8')) as Record<string, any>;
    doc['service'].protos = [CHAT_PROTO];
    edit(doc['proxy']);
    const out = file(`playbook-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(out, stringifyYaml(doc));
    return out;
  }

  it('playbook: PEM paths relative to the playbook are read when the proxy configuration is built', async () => {
    const pb = playbookWith((p) => {
      p.listeners.tls = { cert: 'server.crt', key: 'server.key' };
      p.upstreams.legacy = { transport: 'grpc', address: '10.0.0.5:50051', tls: true, ca: 'ca.crt', cert: 'client.crt', key: 'client.key' };
      p.upstreams.next = { transport: 'ws', address: 'wss://10.0.0.6:8443/', serverName: 'next.internal' };
    });
    const loaded = await loadPlaybook(pb, { env: ENV, loadProto: false });
    const config = parseProxyConfig(proxyConfigFromPlaybook(loaded.playbook, { dir: loaded.dir, controlUrl: 'sqlite::memory:' }));
    expect(config.upstreams).toEqual({ legacy: 'grpcs://10.0.0.5:50051', next: 'wss://10.0.0.6:8443/' });
    expect(config.tls).toEqual({
      listen: { cert: certs.serverCert, key: certs.serverKey },
      admin: null,
      upstreams: { legacy: { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey }, next: { serverName: 'next.internal' } },
    });
    const missing = playbookWith((p) => (p.listeners.tls = { cert: 'nope.crt', key: 'server.key' }));
    const l2 = await loadPlaybook(missing, { env: ENV, loadProto: false });
    expect(() => proxyConfigFromPlaybook(l2.playbook, { dir: l2.dir })).toThrow(`proxy.listeners.tls.cert: cannot read ${file('nope.crt')} (ENOENT)`);
  });

  it('playbook: listeners.adminTls is read relative to the playbook and needs adminListen', async () => {
    const pb = playbookWith((p) => {
      p.listeners.adminListen = '127.0.0.1:0';
      p.listeners.adminTls = { cert: 'server.crt', key: 'server.key', clientCa: 'ca.crt' };
    });
    const loaded = await loadPlaybook(pb, { env: ENV, loadProto: false });
    const config = parseProxyConfig(proxyConfigFromPlaybook(loaded.playbook, { dir: loaded.dir, controlUrl: 'sqlite::memory:' }));
    expect(config.tls.admin).toEqual({ cert: certs.serverCert, key: certs.serverKey, clientCa: certs.caCert });
    const missing = playbookWith((p) => {
      p.listeners.adminListen = '127.0.0.1:0';
      p.listeners.adminTls = { cert: 'server.crt', key: 'nope.key' };
    });
    const l2 = await loadPlaybook(missing, { env: ENV, loadProto: false });
    expect(() => proxyConfigFromPlaybook(l2.playbook, { dir: l2.dir })).toThrow(`proxy.listeners.adminTls.key: cannot read ${file('nope.key')} (ENOENT)`);
    const noListener = playbookWith((p) => {
      delete p.listeners.adminListen;
      p.listeners.adminTls = { cert: 'server.crt', key: 'server.key' };
    });
    await expect(loadPlaybook(noListener, { env: ENV, loadProto: false })).rejects.toThrow(/proxy\.listeners\.adminTls.*"adminTls" needs "adminListen"/s);
  });

  it('playbook: certificate settings on a plaintext upstream are rejected with their path', async () => {
    const pb = playbookWith((p) => (p.upstreams.legacy = { transport: 'grpc', address: '10.0.0.5:50051', ca: 'ca.crt' }));
    await expect(loadPlaybook(pb, { env: ENV, loadProto: false })).rejects.toThrow(/proxy\.upstreams\.legacy\.ca.*need a TLS connection: set "tls: true"/s);
  });
});
