/**
 * Checks a proto3-JSON-shaped value against a message type before encoding, naming the
 * field path of the first problem (`chat.HistoryRequest.limit: expected an integer, got "lots"`),
 * and rewrites the well-known types' string forms (Timestamp, Duration) into objects
 * protobufjs can encode.
 */
import protobuf from 'protobufjs';
import { fail } from '../errors.js';

const INT32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const FLOAT = new Set(['double', 'float']);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function bad(path: string, expected: string, value: unknown): never {
  throw fail('SCHEMA_ENCODE_FAILED', `${path}: expected ${expected}, got ${describe(value)}`, { details: { fieldPath: path } });
}

function checkScalar(type: string, value: unknown, path: string): unknown {
  if (type === 'string') return typeof value === 'string' ? value : bad(path, 'a string', value);
  if (type === 'bool') return typeof value === 'boolean' ? value : bad(path, 'true or false', value);
  if (type === 'bytes') {
    if (value instanceof Uint8Array) return value;
    return typeof value === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value) ? value : bad(path, 'base64 bytes', value);
  }
  if (INT32.has(type) || INT64.has(type)) {
    const ok = (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && /^-?\d+$/.test(value)) || (typeof value === 'bigint');
    if (!ok) bad(path, 'an integer', value);
    if (type.startsWith('u') || type.startsWith('fixed')) if (String(value).startsWith('-')) bad(path, 'an unsigned integer', value);
    return typeof value === 'bigint' ? value.toString() : value;
  }
  if (FLOAT.has(type)) {
    const ok = typeof value === 'number' || (typeof value === 'string' && (value === 'NaN' || value === 'Infinity' || value === '-Infinity' || !Number.isNaN(Number(value))));
    return ok ? value : bad(path, 'a number', value);
  }
  return value;
}

function checkField(field: protobuf.Field, value: unknown, path: string): unknown {
  const resolved = field.resolve().resolvedType;
  if (resolved instanceof protobuf.Enum) {
    if (typeof value === 'string') return value in resolved.values ? value : bad(path, `one of ${Object.keys(resolved.values).join(', ')}`, value);
    return typeof value === 'number' && Number.isInteger(value) ? value : bad(path, `an enum name of ${resolved.name}`, value);
  }
  if (resolved instanceof protobuf.Type) return normalizeJsonInput(resolved, value, path);
  return checkScalar(field.type, value, path);
}

/**
 * Validates `value` against `type` and returns the object to hand to `type.fromObject`.
 * `path` is the prefix for error messages (default: the type's name).
 */
export function normalizeJsonInput(type: protobuf.Type, value: unknown, path = type.fullName.replace(/^\./, '')): unknown {
  const name = type.fullName;
  if (name === '.google.protobuf.Timestamp' && typeof value === 'string') {
    const ms = Date.parse(value);
    if (Number.isNaN(ms) || !/T.*(Z|[+-]\d\d:\d\d)$/.test(value)) bad(path, 'an RFC 3339 timestamp', value);
    const frac = /\.(\d+)/.exec(value)?.[1] ?? '';
    return { seconds: Math.floor(ms / 1000), nanos: frac ? Number(frac.padEnd(9, '0').slice(0, 9)) : 0 };
  }
  if (name === '.google.protobuf.Duration' && typeof value === 'string') {
    const m = /^(-?)(\d+)(?:\.(\d{1,9}))?s$/.exec(value) ?? bad(path, 'a duration like "1.5s"', value);
    const sign = m[1] ? -1 : 1;
    return { seconds: sign * Number(m[2]), nanos: sign * Number((m[3] ?? '').padEnd(9, '0') || 0) };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return bad(path, `an object (${name.slice(1)})`, value);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const field = type.fields[key] ?? type.fieldsArray.find((f) => f.name === key || (f.options?.['json_name'] as string | undefined) === key);
    const fieldPath = `${path}.${key}`;
    if (!field) throw fail('SCHEMA_ENCODE_FAILED', `${fieldPath}: no such field in ${name.slice(1)}`, { details: { fieldPath } });
    if (v === null || v === undefined) continue;
    if (field instanceof protobuf.MapField) {
      if (typeof v !== 'object' || Array.isArray(v)) bad(fieldPath, 'an object (map)', v);
      const map: Record<string, unknown> = {};
      for (const [mk, mv] of Object.entries(v as Record<string, unknown>)) map[mk] = checkField(field, mv, `${fieldPath}[${JSON.stringify(mk)}]`);
      out[field.name] = map;
    } else if (field.repeated) {
      if (!Array.isArray(v)) bad(fieldPath, 'an array', v);
      out[field.name] = (v as unknown[]).map((item, i) => checkField(field, item, `${fieldPath}[${i}]`));
    } else {
      out[field.name] = checkField(field, v, fieldPath);
    }
  }
  return out;
}
