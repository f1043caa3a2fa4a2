/**
 * The server side of the shared call-shape suite: one handler for the chat service's four
 * methods whose behaviour the client picks with request metadata, and which records what
 * the server saw (keyed by the `x-test-id` header) so tests can assert on both ends.
 *
 * Metadata the handler reads:
 * - `x-scenario`: echo (default), status, hang, server-cancel, flood, sink, big, after-half-close
 * - `x-test-id`: key of the {@link Observation}
 * - `x-count` (server-stream echo: replies per request, default 3)
 * - `x-code`, `x-details-bin` (status; the message is the request's text)
 * - `x-size` (flood and big: message size), `x-total` (flood: stop after this many bytes)
 * Request metadata keys starting with `x-echo` are echoed back as headers and trailers.
 */
import type protobuf from 'protobufjs';
import { Code, SwitchyardError, codeFromWire } from '../../src/errors.js';
import { decodeToObject, encodeMessage } from '../../src/schema/codec.js';
import type { ProtoSchema } from '../../src/schema/load.js';
import { Metadata } from '../../src/transport/metadata.js';
import { okStatus, status } from '../../src/transport/status.js';
import type { CallHandler, ServerCall } from '../../src/transport/transport.js';

/** What the server saw of one call. */
export interface Observation {
  method: string;
  call: ServerCall;
  /** Contents of the request messages, in order. */
  received: string[];
  receivedBytes: number;
  /** Position in `received` at which onHalfClose fired (-1: not yet). */
  halfClosedAfter: number;
  /** Why the handler's signal aborted, if it did. */
  aborted: SwitchyardError | undefined;
  /** Bytes the handler got `write()` to accept. */
  writtenBytes: number;
  /** How many `write()` calls returned false. */
  blockedWrites: number;
}

/** Encodes `text` as a message of `type`: every string field set to it (repeated ones to `[text]`). */
export function encodeText(type: protobuf.Type, text: string): Uint8Array {
  const value: Record<string, unknown> = {};
  for (const f of type.fieldsArray) if (f.type === 'string') value[f.name] = f.repeated ? [text] : text;
  return encodeMessage(type, value);
}

/** The text of a message encoded by {@link encodeText}: its first string field. */
export function decodeText(type: protobuf.Type, bytes: Uint8Array): string {
  const obj = decodeToObject<Record<string, unknown>>(type, bytes);
  for (const f of type.fieldsArray) {
    if (f.type !== 'string') continue;
    const v = obj[f.name];
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  }
  return '';
}

/** Builds the handler and the map of observations it fills. */
export function createScenarioService(schema: ProtoSchema): { handler: CallHandler; observations: Map<string, Observation> } {
  const observations = new Map<string, Observation>();
  const handler: CallHandler = (call) => {
    const md = call.metadata;
    const obs: Observation = { method: call.method, call, received: [], receivedBytes: 0, halfClosedAfter: -1, aborted: undefined, writtenBytes: 0, blockedWrites: 0 };
    const testId = md.getText('x-test-id');
    if (testId) observations.set(testId, obs);
    call.signal.addEventListener('abort', () => (obs.aborted = SwitchyardError.from(call.signal.reason)));
    const desc = schema.methods.get(call.method)!;
    const reply = (text: string): Uint8Array => encodeText(desc.responseType, text);
    const textOf = (m: Uint8Array): string => safeText(desc.requestType, m);
    const scenario = md.getText('x-scenario') ?? 'echo';
    const echo = echoed(md);
    const write = (bytes: Uint8Array): boolean => {
      const ok = call.write(bytes);
      obs.writtenBytes += bytes.byteLength;
      if (!ok) obs.blockedWrites++;
      return ok;
    };
    const finishOk = (): void => call.end(okStatus(withTrailer(echo)));
    const onMessage = (m: Uint8Array): void => {
      obs.received.push(textOf(m));
      obs.receivedBytes += m.byteLength;
    };
    switch (scenario) {
      case 'status': {
        const details = md.get('x-details-bin');
        call.listen({
          onMessage,
          onHalfClose: () => call.end(status(codeFromWire(md.getText('x-code')), obs.received[0] ?? '', withTrailer(echo), details instanceof Uint8Array ? details : undefined)),
        });
        return;
      }
      case 'hang':
        call.listen({ onMessage, onHalfClose: () => (obs.halfClosedAfter = obs.received.length) });
        return;
      case 'server-cancel':
        call.listen({ onMessage: (m) => (onMessage(m), call.end(status(Code.CANCELLED, 'cancelled by the server'))) });
        return;
      case 'sink':
        call.listen({ onMessage, onHalfClose: finishOk });
        call.pause();
        return;
      case 'big': {
        const size = Number(md.getText('x-size') ?? 1024);
        call.listen({ onMessage, onHalfClose: () => (write(reply('x'.repeat(size))), finishOk()) });
        return;
      }
      case 'flood': {
        const size = Number(md.getText('x-size') ?? 1024);
        const total = Number(md.getText('x-total') ?? 64 * 1024 * 1024);
        const chunk = reply('f'.repeat(size));
        const pump = (): void => {
          while (!call.signal.aborted && obs.writtenBytes < total) if (!write(chunk)) return;
          if (obs.writtenBytes >= total) finishOk();
        };
        call.listen({ onMessage, onDrain: pump });
        pump();
        return;
      }
      case 'after-half-close':
        call.listen({
          onMessage,
          onHalfClose: () => {
            obs.halfClosedAfter = obs.received.length;
            for (let i = 0; i < 3; i++) write(reply(`after-${i}`));
            finishOk();
          },
        });
        return;
      default:
        echoScenario(call, obs, echo, { write, reply, textOf, onMessage, finishOk });
    }
  };
  return { handler, observations };
}

interface Tools {
  write(b: Uint8Array): boolean;
  reply(text: string): Uint8Array;
  textOf(m: Uint8Array): string;
  onMessage(m: Uint8Array): void;
  finishOk(): void;
}

function echoScenario(call: ServerCall, obs: Observation, echo: Metadata, t: Tools): void {
  if (echo.size > 0) call.sendHeaders(echo);
  const count = Number(call.metadata.getText('x-count') ?? 3);
  call.listen({
    onMessage: (m) => {
      t.onMessage(m);
      if (call.kind === 'bidi') t.write(m);
      if (call.kind === 'server-stream') for (let i = 0; i < count; i++) t.write(t.reply(`${t.textOf(m)}-${i}`));
    },
    onHalfClose: () => {
      obs.halfClosedAfter = obs.received.length;
      if (call.kind === 'unary') t.write(t.reply(obs.received[0] ?? ''));
      if (call.kind === 'client-stream') t.write(t.reply(`${obs.received.length}:${obs.received.join(',')}`));
      t.finishOk();
    },
  });
}

function echoed(md: Metadata): Metadata {
  const out = new Metadata();
  for (const [k, vs] of md.entries()) if (k.startsWith('x-echo')) for (const v of vs) out.add(k, v);
  return out;
}

function withTrailer(echo: Metadata): Metadata {
  return echo.clone().set('x-trailer', 'done');
}

function safeText(type: protobuf.Type, m: Uint8Array): string {
  try {
    return decodeText(type, m);
  } catch {
    return `<${m.byteLength} undecodable bytes>`;
  }
}
