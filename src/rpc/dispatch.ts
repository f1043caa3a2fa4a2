/**
 * Runs a user handler on a transport server call: decodes requests, encodes replies, keeps
 * backpressure in both directions and turns what the handler returns or throws into the
 * call's status.
 */
import { Code, fail, SwitchyardError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { okStatus, statusFromError, type Status } from '../transport/status.js';
import type { ServerCall } from '../transport/transport.js';
import { createContext, type ServerContext } from './context.js';
import { MessageSource } from './message-source.js';
import { DrainGate, pump } from './pump.js';
import type { BidiHandler, ClientStreamHandler, MethodHandler, ServerStreamHandler, UnaryHandler } from './types.js';

/** How a method's messages are turned into handler values and back. */
export interface MethodCodec {
  decodeRequest(bytes: Uint8Array): unknown;
  encodeResponse(value: unknown): Uint8Array;
}

/** Everything {@link dispatch} needs for one method. */
export interface DispatchTarget {
  kind: ServerCall['kind'];
  handler: MethodHandler;
  codec: MethodCodec;
  logger: Logger;
}

/** Serves one call with its method's handler. Never throws; every outcome becomes a status. */
export function dispatch(call: ServerCall, target: DispatchTarget): void {
  const ctx = createContext(call);
  const gate = new DrainGate();
  const requests = new MessageSource<unknown>((b) => target.codec.decodeRequest(b), {
    pause: () => call.pause(),
    resume: () => call.resume(),
  });
  call.signal.addEventListener('abort', () => {
    gate.close();
    requests.fail(SwitchyardError.from(call.signal.reason, Code.CANCELLED));
  }, { once: true });
  call.listen({
    onMessage: (m) => requests.push(m),
    onHalfClose: () => requests.end(),
    onDrain: () => gate.drain(),
  });
  const encode = (v: unknown): Uint8Array => encodeReply(target.codec, v);
  const write = (bytes: Uint8Array): boolean => call.write(bytes);
  run(target, requests, ctx, { write, gate }, encode).then(
    () => finish(call, gate, okStatus(ctx.trailers)),
    (err: unknown) => {
      const s = statusFromError(err);
      if (s.code === Code.UNKNOWN || s.code === Code.INTERNAL) target.logger.warn({ err, method: call.method }, 'handler failed');
      if (s.trailers.size === 0) s.trailers = ctx.trailers;
      finish(call, gate, s);
    },
  );
}

async function run(
  target: DispatchTarget,
  requests: MessageSource<unknown>,
  ctx: ServerContext,
  out: { write(b: Uint8Array): boolean; gate: DrainGate },
  encode: (v: unknown) => Uint8Array,
): Promise<void> {
  switch (target.kind) {
    case 'unary': {
      const reply = await (target.handler as UnaryHandler<unknown, unknown>)(await single(requests), ctx);
      out.write(encode(reply));
      return;
    }
    case 'server-stream': {
      const replies = (target.handler as ServerStreamHandler<unknown, unknown>)(await single(requests), ctx);
      await pump(await replies, encode, out);
      return;
    }
    case 'client-stream': {
      const reply = await (target.handler as ClientStreamHandler<unknown, unknown>)(requests, ctx);
      out.write(encode(reply));
      return;
    }
    case 'bidi': {
      const replies = (target.handler as BidiHandler<unknown, unknown>)(requests, ctx);
      await pump(await replies, encode, out);
      return;
    }
  }
}

/** The one request of a unary or server-streaming call. */
async function single(requests: MessageSource<unknown>): Promise<unknown> {
  const first = await requests.next();
  if (first.done) throw fail('RPC_MESSAGE_COUNT', 'the client sent no request message');
  const second = await requests.next();
  if (!second.done) throw fail('RPC_MESSAGE_COUNT', 'the client sent more than one request message');
  return first.value;
}

function encodeReply(codec: MethodCodec, value: unknown): Uint8Array {
  try {
    return codec.encodeResponse(value);
  } catch (err) {
    const e = SwitchyardError.from(err);
    throw new SwitchyardError(`the handler's reply cannot be encoded: ${e.rawMessage}`, { id: 'RPC_BAD_REPLY', cause: err });
  }
}

function finish(call: ServerCall, gate: DrainGate, status: Status): void {
  gate.close();
  call.end(status);
}
