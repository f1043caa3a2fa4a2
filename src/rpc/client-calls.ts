/** The four client call kinds over an {@link Exchange}: promises for single replies, async iterables for streams. */
import { Code, fail } from '../errors.js';
import { Metadata } from '../transport/metadata.js';
import { statusFromError } from '../transport/status.js';
import { Exchange, type ExchangeSetup } from './exchange.js';
import { pump } from './pump.js';
import type { ReplyCall, RequestStream, StreamCall } from './types.js';

/** An exchange plus how requests are encoded. */
export interface CallSetup extends ExchangeSetup {
  encodeRequest(value: unknown): Uint8Array;
}

/** Unary: one request, a promise of one reply. */
export function unaryCall(setup: CallSetup, request: unknown): ReplyCall<unknown> {
  let bytes: Uint8Array;
  try {
    bytes = setup.encodeRequest(request);
  } catch (err) {
    return failedReply(err);
  }
  const ex = new Exchange(setup);
  const reply = ex.ready.then((call) => {
    call?.write(bytes);
    call?.halfClose();
    return singleReply(ex);
  });
  return withInfo(reply, ex);
}

/** Server-streaming: one request, an async iterable of replies. */
export function serverStreamCall(setup: CallSetup, request: unknown): StreamCall<unknown> {
  let bytes: Uint8Array | undefined;
  let encodeError: unknown;
  try {
    bytes = setup.encodeRequest(request);
  } catch (err) {
    encodeError = err;
  }
  const ex = new Exchange(setup);
  if (bytes === undefined) ex.abortWith(encodeError);
  else
    void ex.ready.then((call) => {
      call?.write(bytes);
      call?.halfClose();
    });
  return streamInfo(ex);
}

/** Client-streaming: requests pulled as the transport takes them, a promise of one reply. */
export function clientStreamCall(setup: CallSetup, requests: RequestStream<unknown>): ReplyCall<unknown> {
  const ex = new Exchange(setup);
  sendAll(ex, setup, requests);
  return withInfo(singleReply(ex), ex);
}

/** Bidirectional: requests pulled as the transport takes them, replies as an async iterable. */
export function bidiCall(setup: CallSetup, requests: RequestStream<unknown>): StreamCall<unknown> {
  const ex = new Exchange(setup);
  sendAll(ex, setup, requests);
  return streamInfo(ex);
}

/** Pumps requests into the call, then half-closes; a failing request stream fails the call. */
function sendAll(ex: Exchange, setup: CallSetup, requests: RequestStream<unknown>): void {
  void ex.ready
    .then(async (call) => {
      if (!call) return;
      const complete = await pump(requests, (v) => setup.encodeRequest(v), { write: (b) => call.write(b), gate: ex.gate });
      if (complete) call.halfClose();
    })
    .catch((err: unknown) => ex.abortWith(err));
}

async function singleReply(ex: Exchange): Promise<unknown> {
  const first = await ex.responses.next();
  if (first.done) throw fail('RPC_MESSAGE_COUNT', 'the server ended the call OK without a reply', { code: Code.INTERNAL });
  const second = await ex.responses.next();
  if (!second.done) {
    ex.cancel('more than one reply');
    throw fail('RPC_MESSAGE_COUNT', 'the server sent more than one reply', { code: Code.INTERNAL });
  }
  return first.value;
}

function withInfo(reply: Promise<unknown>, ex: Exchange): ReplyCall<unknown> {
  return Object.assign(reply, { headers: ex.headers, status: ex.status, cancel: (reason?: string) => ex.cancel(reason) });
}

function streamInfo(ex: Exchange): StreamCall<unknown> {
  let iterated = false;
  return {
    headers: ex.headers,
    status: ex.status,
    cancel: (reason?: string) => ex.cancel(reason),
    [Symbol.asyncIterator]() {
      if (iterated) throw fail('INVALID_ARGUMENT', 'a response stream can be iterated only once');
      iterated = true;
      return ex.responses;
    },
  };
}

function failedReply(err: unknown): ReplyCall<unknown> {
  const status = statusFromError(err);
  const reply = Promise.reject(err);
  return Object.assign(reply, { headers: Promise.resolve(new Metadata()), status: Promise.resolve(status), cancel: () => undefined });
}
