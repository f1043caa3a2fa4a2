/** Message codecs of the RPC API: plain objects through the schema, or raw bytes untouched. */
import { fail } from '../errors.js';
import type { MethodDescriptor } from '../schema/load.js';
import { decodeToObject, encodeMessage } from '../schema/codec.js';

/** Encode/decode for both directions of one method. */
export interface MessageCodec {
  encodeRequest(value: unknown): Uint8Array;
  decodeRequest(bytes: Uint8Array): unknown;
  encodeResponse(value: unknown): Uint8Array;
  decodeResponse(bytes: Uint8Array): unknown;
}

function rawBytes(value: unknown, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw fail('INVALID_ARGUMENT', `${what} must be a Uint8Array in raw mode, got ${value === null ? 'null' : typeof value}`);
}

/** The codec of a method: `raw` keeps bytes as they are; otherwise plain objects via protobufjs. */
export function methodCodec(method: MethodDescriptor, raw: boolean): MessageCodec {
  if (raw) {
    const identity = (b: Uint8Array): Uint8Array => b;
    return {
      encodeRequest: (v) => rawBytes(v, `request of ${method.path}`),
      decodeRequest: identity,
      encodeResponse: (v) => rawBytes(v, `reply of ${method.path}`),
      decodeResponse: identity,
    };
  }
  return {
    encodeRequest: (v) => encodeMessage(method.requestType, v),
    decodeRequest: (b) => decodeToObject(method.requestType, b),
    encodeResponse: (v) => encodeMessage(method.responseType, v),
    decodeResponse: (b) => decodeToObject(method.responseType, b),
  };
}
