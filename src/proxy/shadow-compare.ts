/**
 * Comparing a primary answer with a shadow answer: status, message count, then message by
 * message (byte-equal fast path, else decoded and diffed field by field). With a noise
 * baseline (two answers from legacy), differences legacy shows against itself are dropped.
 */
import type protobuf from 'protobufjs';
import { codeName } from '../errors.js';
import type { Status } from '../transport/status.js';
import { bytesEqual, diffValues, type FieldDiff, type IgnoreMatcher } from './diff.js';

/** One side's answer: its responses and end status. */
export interface Answer {
  messages: Uint8Array[];
  status: Status;
}

/** Decoding for diffs: every field present (defaults filled), 64-bit ints and enums as strings, bytes as base64. */
const DIFF_CONVERSION: protobuf.IConversionOptions = Object.freeze({ longs: String, enums: String, bytes: String, defaults: true, arrays: true, objects: true, json: true });

/**
 * The differences between two answers. `streaming` prefixes message paths with `[i]`.
 * Undecodable messages are reported as a difference at the message's path.
 */
export function compareAnswers(type: protobuf.Type, primary: Answer, shadow: Answer, ignore: IgnoreMatcher, streaming: boolean, maxDiffs = 50): FieldDiff[] {
  const out: FieldDiff[] = [];
  if (primary.status.code !== shadow.status.code) {
    out.push({ path: '$status.code', primary: codeName(primary.status.code), shadow: codeName(shadow.status.code) });
  }
  if (primary.messages.length !== shadow.messages.length) {
    out.push({ path: '$messages.length', primary: primary.messages.length, shadow: shadow.messages.length });
  }
  const n = Math.min(primary.messages.length, shadow.messages.length);
  for (let i = 0; i < n && out.length < maxDiffs; i++) {
    const a = primary.messages[i]!;
    const b = shadow.messages[i]!;
    if (bytesEqual(a, b)) continue;
    const base = streaming ? `[${i}]` : '';
    const da = decode(type, a);
    const db = decode(type, b);
    if (da === undefined || db === undefined) {
      out.push({ path: base || '$', primary: da === undefined ? '<undecodable>' : da, shadow: db === undefined ? '<undecodable>' : db });
      continue;
    }
    out.push(...diffValues(da, db, { ignore, maxDiffs: maxDiffs - out.length }, base));
  }
  return out;
}

/** Drops the differences whose path also differs between two legacy answers (Diffy's noise filter). */
export function withoutNoise(diffs: FieldDiff[], noise: FieldDiff[]): { kept: FieldDiff[]; discounted: number } {
  if (noise.length === 0) return { kept: diffs, discounted: 0 };
  const noisy = new Set(noise.map((d) => d.path));
  const kept = diffs.filter((d) => !noisy.has(d.path));
  return { kept, discounted: diffs.length - kept.length };
}

function decode(type: protobuf.Type, bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    return type.toObject(type.decode(bytes), DIFF_CONVERSION);
  } catch {
    return undefined;
  }
}

/** Keeps a sample's values small enough to store: long strings cut, nested values as JSON text. */
export function truncateDiff(diffs: FieldDiff[], maxChars = 200): FieldDiff[] {
  const cut = (v: unknown): unknown => {
    if (v === undefined) return null;
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    if (s === undefined) return null;
    if (s.length <= maxChars) return typeof v === 'string' || typeof v !== 'object' ? v : s;
    return `${s.slice(0, maxChars)}…`;
  };
  return diffs.map((d) => ({ path: d.path, primary: cut(d.primary), shadow: cut(d.shadow) }));
}
