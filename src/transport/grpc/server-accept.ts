/**
 * Admission of one incoming HTTP/2 stream: checks the request headers against the protocol
 * and the server's limits, and either answers at once (Trailers-Only, or an HTTP error for a
 * non-gRPC request) or describes the call to start.
 */
import { constants, type ServerHttp2Stream } from 'node:http2';
import { fail, type SwitchyardError } from '../../errors.js';
import { deadlineFromTimeout, parseGrpcTimeout } from '../deadline.js';
import type { MethodInfo } from '../transport.js';
import { headersToMetadata } from './headers.js';
import { CONTENT_TYPE, H, encodeGrpcMessage, isGrpcContentType } from './protocol.js';
import type { ServerCallInit } from './server-call.js';

/** Either a call to start or a refusal already sent. */
export type Admission = { t: 'accept'; init: ServerCallInit } | { t: 'refused'; error: SwitchyardError };

/** Server-wide facts admission depends on. */
export interface AdmissionContext {
  methods: ReadonlyMap<string, MethodInfo>;
  draining: boolean;
  openCalls: number;
  maxConcurrentStreams: number;
  peer: string;
}

/** Answers a stream with a Trailers-Only response (or an HTTP error status) and stops it. */
export function refuse(stream: ServerHttp2Stream, error: SwitchyardError, httpStatus = 200, extra: Record<string, string> = {}): Admission {
  if (!stream.destroyed && !stream.headersSent) {
    try {
      stream.respond(
        {
          [H.status]: String(httpStatus),
          [H.contentType]: CONTENT_TYPE,
          [H.grpcStatus]: String(error.code),
          [H.grpcMessage]: encodeGrpcMessage(error.rawMessage),
          ...extra,
        },
        { endStream: true },
      );
      if (!stream.readableEnded) stream.close(constants.NGHTTP2_NO_ERROR);
    } catch {
      stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    }
  }
  return { t: 'refused', error };
}

/** Checks a new stream; refuses it (and says why) or returns the call to start. */
export function admit(stream: ServerHttp2Stream, raw: readonly string[], ctx: AdmissionContext): Admission {
  let method: string | undefined;
  let path: string | undefined;
  let contentType: string | undefined;
  let timeout: string | undefined;
  let encoding: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    switch (raw[i]) {
      case H.method:
        method = raw[i + 1];
        break;
      case H.path:
        path = raw[i + 1];
        break;
      case H.contentType:
        contentType = raw[i + 1];
        break;
      case H.timeout:
        timeout = raw[i + 1];
        break;
      case H.encoding:
        encoding = raw[i + 1];
        break;
    }
  }
  if (method !== 'POST') {
    return refuse(stream, fail('TRANSPORT_PROTOCOL_ERROR', `HTTP method ${method ?? '(none)'} is not allowed; gRPC requests use POST`), 405);
  }
  if (!isGrpcContentType(contentType)) {
    return refuse(stream, fail('TRANSPORT_PROTOCOL_ERROR', `content-type "${contentType ?? ''}" is not application/grpc`), 415);
  }
  const info = path === undefined ? undefined : ctx.methods.get(path);
  if (!info) return refuse(stream, fail('TRANSPORT_UNKNOWN_METHOD', `unknown method ${path ?? '(no :path)'}`));
  if (encoding !== undefined && encoding !== 'identity') {
    return refuse(stream, fail('TRANSPORT_UNSUPPORTED_ENCODING', `message encoding "${encoding}" is not supported; this server accepts identity only`), 200, {
      [H.acceptEncoding]: 'identity',
    });
  }
  if (ctx.draining) return refuse(stream, fail('TRANSPORT_UNAVAILABLE', 'the server is shutting down'));
  if (ctx.openCalls >= ctx.maxConcurrentStreams) {
    return refuse(stream, fail('TRANSPORT_TOO_MANY_STREAMS', `too many concurrent calls on this connection (limit ${ctx.maxConcurrentStreams})`));
  }
  let deadline: number | undefined;
  if (timeout !== undefined) {
    const ms = parseGrpcTimeout(timeout);
    if (ms === undefined) {
      return refuse(stream, fail('TRANSPORT_PROTOCOL_ERROR', `malformed grpc-timeout "${timeout}"`));
    }
    deadline = deadlineFromTimeout(ms);
  }
  return { t: 'accept', init: { method: info.path, kind: info.kind, metadata: headersToMetadata(raw), deadline, peer: ctx.peer } };
}
