/**
 * Throw-away TLS material for tests, generated with the `openssl` CLI into a temp folder:
 * a CA, a server certificate for `localhost` / 127.0.0.1 / ::1, and a client certificate
 * (for mutual TLS), all signed by the CA. Generated once per process.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** PEM strings for a test PKI. */
export interface TestCertificates {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A second CA that signed nothing here: a client trusting it must fail the handshake. */
  otherCaCert: string;
}

let cached: TestCertificates | undefined;

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=switchyard test ${name}`);
}

function makeLeaf(dir: string, name: string, cn: string, ext: string): void {
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
}

/** Creates (once) and returns the test certificates. */
export function testCertificates(): TestCertificates {
  if (cached) return cached;
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-tls-'));
  try {
    makeCa(dir, 'ca');
    makeCa(dir, 'other');
    makeLeaf(dir, 'server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n');
    makeLeaf(dir, 'client', 'switchyard test client', 'extendedKeyUsage=clientAuth\n');
    const read = (f: string): string => readFileSync(path.join(dir, f), 'utf8');
    cached = {
      caCert: read('ca.crt'),
      serverCert: read('server.crt'),
      serverKey: read('server.key'),
      clientCert: read('client.crt'),
      clientKey: read('client.key'),
      otherCaCert: read('other.crt'),
    };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
