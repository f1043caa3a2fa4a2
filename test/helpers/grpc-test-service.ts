/**
 * A small test service with one method of each call shape, implemented twice with the same
 * behaviour: on the switchyard transport interface (any engine) and on a raw @grpc/grpc-js
 * `Server`. Request metadata steers it:
 * - every request key starting with `x-` is echoed in the response headers;
 * - trailers carry `x-trailer: yes` and `x-trailer-bin: 01 02 03`;
 * - `x-status` / `x-status-message` (or UTF-8 in `x-status-message-bin`) /
 *   `x-status-details-bin`: end with that status;
 * - `x-trailers-only`: end at once with the status, sending nothing else;
 * - `x-count`: how many responses ServerStream sends (default 3).
 * `/test.Echo/Hang` never answers; the reason its handler saw the call end is recorded.
 */
import * as grpc from '@grpc/grpc-js';
import { Code, SwitchyardError } from '../../src/errors.js';
import { Metadata } from '../../src/transport/metadata.js';
import { status as mkStatus, type Status } from '../../src/transport/status.js';
import type { CallHandler, ClientTransport, MethodInfo, CallOptions } from '../../src/transport/transport.js';

export const M = {
  unary: { path: '/test.Echo/Unary', kind: 'unary' },
  serverStream: { path: '/test.Echo/ServerStream', kind: 'server-stream' },
  clientStream: { path: '/test.Echo/ClientStream', kind: 'client-stream' },
  bidi: { path: '/test.Echo/Bidi', kind: 'bidi' },
  hang: { path: '/test.Echo/Hang', kind: 'bidi' },
} as const satisfies Record<string, MethodInfo>;

export const TEST_METHODS: MethodInfo[] = Object.values(M);

/** How a handler saw a call end early. */
export interface AbortRecord {
  method: string;
  code: Code;
  message: string;
}

function trailersFor(): Metadata {
  return Metadata.from({ 'x-trailer': 'yes', 'x-trailer-bin': new Uint8Array([1, 2, 3]) });
}

function endStatus(md: Metadata): Status {
  const code = Number(md.getText('x-status') ?? '0') as Code;
  const details = md.get('x-status-details-bin');
  const binMessage = md.get('x-status-message-bin');
  const message = binMessage instanceof Uint8Array ? Buffer.from(binMessage).toString('utf8') : (md.getText('x-status-message') ?? '');
  return mkStatus(code, message, trailersFor(), details instanceof Uint8Array ? details : undefined);
}

/** The test service on the switchyard interface. */
export function createTestHandler(): { handler: CallHandler; aborted: AbortRecord[]; deadlines: Array<number | undefined> } {
  const aborted: AbortRecord[] = [];
  const deadlines: Array<number | undefined> = [];
  const handler: CallHandler = (call) => {
    deadlines.push(call.deadline);
    call.signal.addEventListener('abort', () => {
      const r = SwitchyardError.from(call.signal.reason);
      aborted.push({ method: call.method, code: r.code, message: r.rawMessage });
    });
    const md = call.metadata;
    if (call.method === M.hang.path) {
      call.listen({ onMessage() {} });
      return;
    }
    if (md.has('x-trailers-only')) {
      call.end(endStatus(md));
      return;
    }
    const echo = new Metadata();
    for (const [k, vs] of md.entries()) if (k.startsWith('x-')) for (const v of vs) echo.add(k, v);
    call.sendHeaders(echo);
    const received: Uint8Array[] = [];
    call.listen({
      onMessage(m) {
        if (call.kind === 'bidi') call.write(m);
        else received.push(Buffer.from(m));
      },
      onHalfClose() {
        if (call.kind === 'unary') for (const m of received) call.write(m);
        if (call.kind === 'server-stream') {
          const n = Number(md.getText('x-count') ?? '3');
          for (let i = 0; i < n; i++) call.write(Buffer.concat([received[0] ?? Buffer.alloc(0), Buffer.from([i])]));
        }
        if (call.kind === 'client-stream') call.write(Buffer.from(`${received.length}:${received.map((r) => r.byteLength).join(',')}`));
        call.end(endStatus(md));
      },
    });
  };
  return { handler, aborted, deadlines };
}

function toGrpcJsMetadata(md: Metadata): grpc.Metadata {
  const out = new grpc.Metadata();
  for (const [k, vs] of md.entries()) for (const v of vs) out.add(k, typeof v === 'string' ? v : Buffer.from(v));
  return out;
}

/** Converts grpc-js metadata to switchyard metadata. */
export function fromGrpcJsMetadata(md: grpc.Metadata): Metadata {
  const out = new Metadata();
  for (const [k, vs] of Object.entries(md.toJSON())) for (const v of vs as Array<string | Buffer>) out.add(k, typeof v === 'string' ? v : new Uint8Array(v));
  return out;
}

function grpcJsStatus(md: Metadata): grpc.StatusObject & { details: string } {
  const s = endStatus(md);
  const trailers = toGrpcJsMetadata(s.trailers);
  if (s.details) trailers.set('grpc-status-details-bin', Buffer.from(s.details));
  return { code: s.code as number, details: s.message, metadata: trailers };
}

const identity = (b: Buffer): Buffer => b;

/** The test service on a raw @grpc/grpc-js server, listening on 127.0.0.1:0. */
export async function startGrpcJsTestServer(
  options: grpc.ServerOptions = {},
  credentials = grpc.ServerCredentials.createInsecure(),
): Promise<{ server: grpc.Server; port: number; aborted: string[]; deadlines: grpc.Deadline[] }> {
  const server = new grpc.Server(options);
  const aborted: string[] = [];
  const deadlines: grpc.Deadline[] = [];
  const echoHeaders = (call: { metadata: grpc.Metadata; sendMetadata(md: grpc.Metadata): void }): Metadata => {
    const md = fromGrpcJsMetadata(call.metadata);
    const echo = new grpc.Metadata();
    for (const [k, vs] of md.entries()) if (k.startsWith('x-')) for (const v of vs) echo.add(k, typeof v === 'string' ? v : Buffer.from(v));
    if (!md.has('x-trailers-only')) call.sendMetadata(echo);
    return md;
  };
  const finish = (md: Metadata, cb: (err: grpc.ServerErrorResponse | null, value?: Buffer | null, trailer?: grpc.Metadata) => void, value: Buffer | null): void => {
    const s = grpcJsStatus(md);
    if (s.code === 0) cb(null, value, s.metadata);
    else cb(Object.assign(new Error(s.details), s) as grpc.ServerErrorResponse);
  };
  server.register(M.unary.path, (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
    const md = echoHeaders(call);
    finish(md, cb, md.has('x-trailers-only') ? null : call.request);
  }, identity, identity, 'unary');
  server.register(M.serverStream.path, (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
    const md = echoHeaders(call);
    const n = md.has('x-trailers-only') ? 0 : Number(md.getText('x-count') ?? '3');
    for (let i = 0; i < n; i++) call.write(Buffer.concat([call.request, Buffer.from([i])]));
    const s = grpcJsStatus(md);
    if (s.code === 0) call.end(s.metadata);
    else call.emit('error', s);
  }, identity, identity, 'serverStream');
  server.register(M.clientStream.path, (call: grpc.ServerReadableStream<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
    const md = echoHeaders(call);
    const got: Buffer[] = [];
    call.on('data', (m: Buffer) => got.push(m));
    call.on('end', () => finish(md, cb, Buffer.from(`${got.length}:${got.map((r) => r.byteLength).join(',')}`)));
  }, identity, identity, 'clientStream');
  server.register(M.bidi.path, (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
    const md = echoHeaders(call);
    call.on('data', (m: Buffer) => call.write(m));
    call.on('end', () => {
      const s = grpcJsStatus(md);
      if (s.code === 0) call.end(s.metadata);
      else call.emit('error', s);
    });
  }, identity, identity, 'bidi');
  server.register(M.hang.path, (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
    deadlines.push(call.getDeadline());
    call.on('data', () => {});
    call.on('cancelled', () => aborted.push('cancelled'));
  }, identity, identity, 'bidi');
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))));
  return { server, port, aborted, deadlines };
}

/** What a client call produced. */
export interface CallOutcome {
  headers: Metadata | undefined;
  messages: Buffer[];
  status: Status;
}

/** Runs one call on a switchyard client: sends `messages`, half-closes, collects everything. */
export function runCall(client: ClientTransport, method: MethodInfo, messages: Uint8Array[], options: CallOptions & { halfClose?: boolean } = {}): Promise<CallOutcome> {
  return new Promise((resolve) => {
    const out: CallOutcome = { headers: undefined, messages: [], status: mkStatus(Code.UNKNOWN) };
    const call = client.start(method, options);
    call.listen({
      onHeaders: (h) => (out.headers = h),
      onMessage: (m) => out.messages.push(Buffer.from(m)),
      onStatus: (s) => {
        out.status = s;
        resolve(out);
      },
    });
    for (const m of messages) call.write(m);
    if (options.halfClose !== false) call.halfClose();
  });
}

/** A grpc-js client using identity serializers. */
export function grpcJsClient(address: string, credentials = grpc.credentials.createInsecure(), options: grpc.ChannelOptions = {}): grpc.Client {
  return new grpc.Client(address, credentials, options);
}

/** What a grpc-js call produced. */
export interface GrpcJsOutcome {
  headers: grpc.Metadata | undefined;
  messages: Buffer[];
  status: grpc.StatusObject;
}

/** Runs a grpc-js call of any shape with identity serializers and collects everything. */
export function runGrpcJsCall(client: grpc.Client, method: MethodInfo, messages: Buffer[], metadata = new grpc.Metadata(), options: grpc.CallOptions = {}): Promise<GrpcJsOutcome> {
  return new Promise((resolve) => {
    const out: GrpcJsOutcome = { headers: undefined, messages: [], status: { code: grpc.status.UNKNOWN, details: 'no status yet', metadata: new grpc.Metadata() } };
    const onStatus = (s: grpc.StatusObject): void => {
      out.status = s;
      // grpc-js emits 'status' before the last 'data' can be read in some shapes; settle a tick later.
      setImmediate(() => resolve(out));
    };
    const unaryCb = (_err: grpc.ServiceError | null, value?: Buffer): void => {
      if (value) out.messages.push(value);
    };
    let call: grpc.ClientUnaryCall | grpc.ClientReadableStream<Buffer> | grpc.ClientWritableStream<Buffer> | grpc.ClientDuplexStream<Buffer, Buffer>;
    if (method.kind === 'unary') call = client.makeUnaryRequest(method.path, identity, identity, messages[0] ?? Buffer.alloc(0), metadata, options, unaryCb);
    else if (method.kind === 'server-stream') call = client.makeServerStreamRequest(method.path, identity, identity, messages[0] ?? Buffer.alloc(0), metadata, options);
    else if (method.kind === 'client-stream') call = client.makeClientStreamRequest(method.path, identity, identity, metadata, options, unaryCb);
    else call = client.makeBidiStreamRequest(method.path, identity, identity, metadata, options);
    const events = call as unknown as NodeJS.EventEmitter;
    events.on('metadata', (h: grpc.Metadata) => (out.headers = h));
    events.on('status', onStatus);
    events.on('error', () => {});
    if ('read' in call) (call as grpc.ClientReadableStream<Buffer>).on('data', (m: Buffer) => out.messages.push(m));
    if (method.kind === 'client-stream' || method.kind === 'bidi') {
      const w = call as grpc.ClientWritableStream<Buffer>;
      for (const m of messages) w.write(m);
      w.end();
    }
  });
}

/** Converts switchyard metadata to grpc-js metadata. */
export { toGrpcJsMetadata };
