/**
 * Capture sources compiled against the method's request and response types: where a
 * column's value comes from, checked once at start-up, and how it is read from a call.
 */
import type protobuf from 'protobufjs';
import { installWellKnownJson } from '../schema/well-known.js';
import type { Metadata } from '../transport/metadata.js';
import type { CaptureColumnSource } from './capture-config.js';
import { findField } from './field-path.js';

/** `$index` or a fixed index. */
type Index = '$index' | number;

/** What a row is read from. */
export interface CaptureInput {
  /** Decodes request message `i` (undefined when there is none). */
  request(i: number): protobuf.Message | undefined;
  /** Decodes response message `i`; `-1` is the last. */
  response(i: number): protobuf.Message | undefined;
  metadata: Metadata;
  /** The request message index of the row (0 for `each: call`). */
  index: number;
}

/** A compiled source. */
export interface CompiledSource {
  /** Reads the value (application form for the DualWriter). */
  read(input: CaptureInput): unknown;
  /** True when it reads a response message by `$index` (bidi rows wait for that response). */
  readonly responseByIndex: boolean;
  /** True when it reads any response. */
  readonly usesResponse: boolean;
}

const OBJECT_JSON: protobuf.IConversionOptions = { longs: String, enums: String, bytes: String, defaults: true, arrays: true, json: true };

/**
 * Compiles a source. Throws an Error naming the field when the path does not exist in the
 * type, indexes a non-repeated field, or goes below a scalar.
 */
export function compileSource(src: CaptureColumnSource, requestType: protobuf.Type, responseType: protobuf.Type, responseStreams: boolean): CompiledSource {
  if (typeof src === 'object') {
    const v = src.value;
    return { read: () => v, responseByIndex: false, usesResponse: false };
  }
  if (src.startsWith('metadata.')) {
    const key = src.slice('metadata.'.length);
    return { read: (i) => toApp(i.metadata.get(key)), responseByIndex: false, usesResponse: false };
  }
  const m = /^(request|response)(?:\[(\$index|\d+)\])?(.*)$/.exec(src)!;
  const root = m[1] as 'request' | 'response';
  const rootIndex: Index | undefined = m[2] === undefined ? undefined : m[2] === '$index' ? '$index' : Number(m[2]);
  if (rootIndex !== undefined && root === 'response' && !responseStreams) throw new Error(`${src}: the response of this method is a single message; drop the index`);
  const steps = compilePath(root === 'request' ? requestType : responseType, m[3]!.replace(/^\./, ''), src);
  const pick = (i: CaptureInput): protobuf.Message | undefined => {
    const idx = rootIndex === '$index' ? i.index : rootIndex;
    if (root === 'request') return i.request(idx ?? i.index);
    return i.response(idx ?? -1);
  };
  return {
    read: (i) => readSteps(pick(i), steps, i.index),
    responseByIndex: root === 'response' && rootIndex === '$index',
    usesResponse: root === 'response',
  };
}

interface Step {
  name: string;
  index: Index | undefined;
  field: protobuf.Field;
}

function compilePath(type: protobuf.Type, path: string, src: string): Step[] {
  if (path === '') throw new Error(`${src}: name a field (a whole message cannot be a column)`);
  const steps: Step[] = [];
  let t: protobuf.Type | undefined = type;
  for (const seg of path.split('.')) {
    const [, name, idx] = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[(\$index|\d+)\])?$/.exec(seg)!;
    if (!t) throw new Error(`${src}: "${steps.at(-1)?.name}" is not a message, so the path cannot go deeper`);
    const f = findField(t, name!);
    if (!f) throw new Error(`${src}: ${t.fullName.slice(1)} has no field "${name}"`);
    if (idx !== undefined && !f.repeated) throw new Error(`${src}: field "${name}" is not repeated; drop the index`);
    f.resolve();
    steps.push({ name: f.name, index: idx === undefined ? undefined : idx === '$index' ? '$index' : Number(idx), field: f });
    const rt = f.resolvedType as protobuf.Type | null;
    t = rt && 'fields' in rt && (idx !== undefined || !f.repeated) ? rt : undefined;
  }
  return steps;
}

function readSteps(msg: protobuf.Message | undefined, steps: Step[], index: number): unknown {
  let v: unknown = msg;
  let last: Step | undefined;
  for (const s of steps) {
    if (v === undefined || v === null) return null;
    v = (v as Record<string, unknown>)[s.name];
    if (s.index !== undefined) v = Array.isArray(v) ? v[s.index === '$index' ? index : s.index] : undefined;
    last = s;
  }
  return v === undefined ? null : convert(v, last!.field);
}

/** protobufjs value → application value: Timestamp → Date, int64 → decimal string, enum → name, bytes → Buffer, message → JSON. */
function convert(v: unknown, f: protobuf.Field): unknown {
  const rt = f.resolvedType as (protobuf.Type & { values?: undefined }) | (protobuf.Enum & { fields?: undefined }) | null;
  if (Array.isArray(v)) return JSON.stringify(v.map((x) => jsonOf(x, rt)));
  if (rt && 'values' in rt && rt.values) return (rt as protobuf.Enum).valuesById[v as number] ?? v;
  if (rt && 'fields' in rt && rt.fields) {
    if (rt.fullName === '.google.protobuf.Timestamp') {
      const t = v as { seconds?: unknown; nanos?: number };
      return new Date(Number(String(t.seconds ?? 0)) * 1000 + Math.floor((t.nanos ?? 0) / 1e6));
    }
    return jsonOf(v, rt);
  }
  if (v instanceof Uint8Array) return Buffer.from(v);
  if (typeof v === 'object' && v !== null) return String(v); // Long
  return v;
}

function jsonOf(v: unknown, rt: unknown): unknown {
  installWellKnownJson();
  if (rt && typeof rt === 'object' && 'toObject' in rt && 'fields' in rt) return (rt as protobuf.Type).toObject(v as protobuf.Message, OBJECT_JSON);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (typeof v === 'object' && v !== null) return String(v);
  return v;
}

function toApp(v: unknown): unknown {
  if (v === undefined) return null;
  return v instanceof Uint8Array ? Buffer.from(v) : v;
}
