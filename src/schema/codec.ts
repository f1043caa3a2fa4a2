/**
 * The codec layer both transports share: binary protobuf and the proto3 JSON mapping.
 * Transports carry bytes; only code that needs the fields (capture, shadow diff, the JSON
 * subprotocol, typed handlers) decodes them.
 */
import type protobuf from 'protobufjs';
import { fail } from '../errors.js';
import { installWellKnownJson } from './well-known.js';
import { normalizeJsonInput } from './json-input.js';

/** Conversion options giving the proto3 JSON mapping (enum names, 64-bit ints as strings, bytes as base64). */
export const JSON_CONVERSION: protobuf.IConversionOptions = Object.freeze({
  longs: String,
  enums: String,
  bytes: String,
  defaults: false,
  json: true,
});

/** Conversion options for plain objects handed to user handlers (defaults filled in, bytes as Uint8Array). */
export const OBJECT_CONVERSION: protobuf.IConversionOptions = Object.freeze({
  longs: String,
  enums: String,
  defaults: true,
  json: true,
  arrays: true,
  objects: true,
});

/** Encodes a plain object as protobuf bytes. Throws SCHEMA_ENCODE_FAILED naming the field path. */
export function encodeMessage(type: protobuf.Type, value: unknown): Uint8Array {
  installWellKnownJson();
  const input = normalizeJsonInput(type, value) as Record<string, unknown>;
  try {
    return type.encode(type.fromObject(input)).finish();
  } catch (err) {
    throw fail('SCHEMA_ENCODE_FAILED', `${type.fullName.slice(1)}: ${(err as Error).message}`, { cause: err });
  }
}

/** Decodes protobuf bytes into a protobufjs message. Throws SCHEMA_DECODE_FAILED. */
export function decodeMessage(type: protobuf.Type, bytes: Uint8Array): protobuf.Message {
  try {
    return type.decode(bytes);
  } catch (err) {
    throw fail('SCHEMA_DECODE_FAILED', `${type.fullName.slice(1)}: cannot decode ${bytes.length} bytes: ${(err as Error).message}`, { cause: err });
  }
}

/** Decodes protobuf bytes into a plain object (defaults filled in). */
export function decodeToObject<T = Record<string, unknown>>(type: protobuf.Type, bytes: Uint8Array): T {
  installWellKnownJson();
  return type.toObject(decodeMessage(type, bytes), OBJECT_CONVERSION) as T;
}

/** Protobuf bytes → proto3 JSON value. */
export function bytesToJson(type: protobuf.Type, bytes: Uint8Array): Record<string, unknown> {
  installWellKnownJson();
  return type.toObject(decodeMessage(type, bytes), JSON_CONVERSION);
}

/** proto3 JSON value → protobuf bytes. Throws SCHEMA_ENCODE_FAILED naming the field path. */
export function jsonToBytes(type: protobuf.Type, json: unknown): Uint8Array {
  return encodeMessage(type, json);
}
