/**
 * The admin HTTP listener: `GET /healthz`, `GET /metrics` (Prometheus), `GET /status`
 * (JSON) and `PUT /split` (bearer token; constant-time compare; no token configured →
 * admin writes disabled). Plain HTTP, or HTTPS when given a certificate (optionally
 * requiring client certificates signed by a CA: mutual TLS).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { SwitchyardError, fail } from '../errors.js';
import { percentToBp, type RouteTarget } from '../control/routes.js';
import { silentLogger, type Logger } from '../observability/logger.js';

/** A split change requested over HTTP. */
export interface SplitRequest {
  target: RouteTarget;
  splitBp: number;
  reason: string;
}

/** Options for {@link createAdminServer}. */
export interface AdminServerOptions {
  host: string;
  port: number;
  /**
   * Serve HTTPS with this PEM certificate chain and key; with `ca`, clients must present a
   * certificate that CA signed (mutual TLS). Default: none (plain HTTP).
   */
  tls?: AdminTlsOptions;
  /** Bearer token for writes; null disables them (403). */
  token: string | null;
  registry: Registry;
  /** Health: ok, or why not (503). */
  health(): { ok: true } | { ok: false; reason: string };
  /** The body of GET /status. */
  status(): Promise<unknown>;
  /** Applies a split change; resolves with the body of the answer. */
  setSplit(request: SplitRequest): Promise<unknown>;
  logger?: Logger;
}

/** TLS of the admin listener (PEM text). */
export interface AdminTlsOptions {
  /** Certificate chain the listener presents. */
  cert: string;
  /** Private key of that certificate. */
  key: string;
  /** CA bundle: when set, clients must present a certificate it signed. Default: none (no client certificates asked for). */
  ca?: string;
}

/** A running admin listener. */
export interface AdminServer {
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

const SPLIT_BODY = z
  .object({
    /** `class:reads`, `class:writes`, `class:default` or `method:/pkg.Svc/M`. Default `class:default`. */
    target: z.string().regex(/^(class:[a-z][a-z0-9_-]*|method:\/[^/\s]+\/[^/\s]+)$/, 'expected class:NAME or method:/pkg.Service/Method').default('class:default'),
    percent: z.number().optional(),
    splitBp: z.number().int().min(0).max(10_000).optional(),
    reason: z.string().max(1000).default('PUT /split'),
  })
  .strict()
  .refine((b) => (b.percent === undefined) !== (b.splitBp === undefined), 'give exactly one of percent or splitBp');

const MAX_BODY_BYTES = 64 * 1024;

/** True when `given` equals `expected`, in time independent of where they differ. */
export function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Starts the admin listener. */
export async function createAdminServer(o: AdminServerOptions): Promise<AdminServer> {
  const logger = o.logger ?? silentLogger;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handle(o, req, res).catch((err: unknown) => {
      const e = SwitchyardError.from(err);
      const code = e.id === 'PROXY_UNAUTHORIZED' ? 401 : e.id === 'PROXY_ADMIN_WRITES_DISABLED' ? 403 : e.code === 3 ? 400 : 500;
      if (code === 500) logger.warn({ err: e.message, path: req.url }, 'admin request failed');
      send(res, code, { error: e.id ?? 'INTERNAL', message: e.rawMessage }, code === 401 ? { 'www-authenticate': 'Bearer' } : {});
    });
  };
  const server = o.tls ? https.createServer(adminTls(o.tls), onRequest) : http.createServer(onRequest);
  server.on('clientError', (_err, socket) => socket.destroy());
  // A failed TLS handshake (untrusted or missing client certificate) is the client's problem: drop it.
  server.on('tlsClientError', (err: Error) => logger.debug({ err: err.message }, 'admin TLS handshake failed'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(fail('PROXY_LISTEN_FAILED', `admin listener cannot bind ${o.host}:${o.port}: ${err.message}`, { cause: err })));
    server.listen(o.port, o.host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return {
    address: { host: a.address, port: a.port },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function adminTls(t: AdminTlsOptions): https.ServerOptions {
  return t.ca ? { cert: t.cert, key: t.key, ca: t.ca, requestCert: true, rejectUnauthorized: true } : { cert: t.cert, key: t.key };
}

async function handle(o: AdminServerOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/healthz') {
    const h = o.health();
    return send(res, h.ok ? 200 : 503, h.ok ? { status: 'ok' } : { status: 'unavailable', reason: h.reason });
  }
  if (req.method === 'GET' && path === '/metrics') {
    const text = await o.registry.metrics();
    res.writeHead(200, { 'content-type': o.registry.contentType });
    res.end(text);
    return;
  }
  if (req.method === 'GET' && path === '/status') return send(res, 200, await o.status());
  if (path === '/split') {
    if (req.method !== 'PUT') return send(res, 405, { error: 'METHOD_NOT_ALLOWED', message: 'use PUT /split' }, { allow: 'PUT' });
    authorize(o.token, req.headers.authorization);
    const body = SPLIT_BODY.safeParse(await readJson(req));
    if (!body.success) throw fail('INVALID_ARGUMENT', body.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const b = body.data;
    const splitBp = b.splitBp ?? percentToBp(b.percent!);
    return send(res, 200, await o.setSplit({ target: b.target as RouteTarget, splitBp, reason: b.reason }));
  }
  send(res, 404, { error: 'NOT_FOUND', message: `no admin endpoint ${req.method} ${path}` });
}

function authorize(token: string | null, header: string | undefined): void {
  if (token === null) throw fail('PROXY_ADMIN_WRITES_DISABLED', 'admin writes are disabled: no admin token is configured');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m || !tokenMatches(m[1]!, token)) throw fail('PROXY_UNAUTHORIZED', 'missing or wrong bearer token');
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw fail('INVALID_ARGUMENT', `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch (err) {
    throw fail('INVALID_ARGUMENT', `request body is not JSON: ${(err as Error).message}`);
  }
}

function send(res: http.ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body, null, 2) + '\n');
}
