/**
 * Field-by-field differences between two decoded messages (proto3 JSON objects), with
 * ignore rules by field path.
 *
 * Paths are written with proto field names in camelCase (`sentAt`) or snake_case
 * (`sent_at`), dots between fields, `[i]` for list items: `items[2].id`. Ignore rules are
 * matched against the path with list indexes removed (`items.id`); `*` matches one field
 * name and a leading `**.` any number of them (`**.id`: an `id` at any depth).
 */
import { camelCase } from './field-path.js';

/** One difference. */
export interface FieldDiff {
  path: string;
  primary: unknown;
  shadow: unknown;
}

/** Compiled ignore rules. */
export type IgnoreMatcher = (path: string) => boolean;

/** Compiles ignore rules into a matcher over paths (list indexes are stripped before matching). */
export function compileIgnore(rules: readonly string[]): IgnoreMatcher {
  if (rules.length === 0) return () => false;
  const res = rules.map((rule) => {
    const parts = rule.replace(/\[\]/g, '').split('.');
    let re = '';
    parts.forEach((p, i) => {
      if (p === '**') {
        re += '(?:[^.]+\\.)*';
        return;
      }
      re += p === '*' ? '[^.]+' : escape(camelCase(p));
      if (i < parts.length - 1) re += '\\.';
    });
    return new RegExp(`^${re}(?:\\..*)?$`);
  });
  return (path) => {
    const bare = path.replace(/\[\d+\]/g, '').replace(/^\./, '');
    return res.some((re) => re.test(bare));
  };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Options for {@link diffValues}. */
export interface DiffOptions {
  ignore?: IgnoreMatcher;
  /** Stop after this many differences. Default 50. */
  maxDiffs?: number;
}

/** The differences between `primary` and `shadow` (decoded messages or any JSON values). */
export function diffValues(primary: unknown, shadow: unknown, options: DiffOptions = {}, basePath = ''): FieldDiff[] {
  const out: FieldDiff[] = [];
  walk(primary, shadow, basePath, options.ignore ?? (() => false), out, options.maxDiffs ?? 50);
  return out;
}

function walk(a: unknown, b: unknown, path: string, ignore: IgnoreMatcher, out: FieldDiff[], max: number): void {
  if (out.length >= max) return;
  if (path !== '' && ignore(path)) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) walk(a[i], b[i], `${path}[${i}]`, ignore, out, max);
    return;
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) walk(a[k], b[k], path === '' ? k : `${path}.${k}`, ignore, out, max);
    return;
  }
  if (!sameScalar(a, b)) out.push({ path: path === '' ? '$' : path, primary: a, shadow: b });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function sameScalar(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  return false;
}

/** True when two byte arrays are equal (the fast path before decoding). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
