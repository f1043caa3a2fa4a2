/**
 * Playbook problems: each names the field path (`stages[3].gates.errorRate.maxAbsolute`),
 * the line in the YAML file when known, and what was expected.
 */
import type { Document, LineCounter } from 'yaml';
import { isMap, isNode, isScalar, isSeq } from 'yaml';
import type { z } from 'zod';
import { fail, type ErrorId, type SwitchyardError } from '../errors.js';

/** A path into the playbook. */
export type FieldPath = ReadonlyArray<string | number>;

/** One problem. */
export interface PlaybookIssue {
  /** Where. */
  path: FieldPath;
  /** What was expected (or what is wrong). */
  message: string;
  /** 1-based line in the file, when known. */
  line?: number;
}

/** `['stages', 3, 'hold']` → `stages[3].hold`; keys that are not identifiers are quoted: `proxy.shadow["/a.B/C"]`. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out || '(top level)';
}

/** The start offset of the key (for a map entry) or node at `path`, or of its nearest existing parent. */
function offsetOf(doc: Document, path: FieldPath): number | undefined {
  let node: unknown = doc.contents;
  let best = isNode(node) ? node.range?.[0] : undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
      if (!pair) return best;
      if (isNode(pair.key) && pair.key.range) best = pair.key.range[0];
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (isNode(node) && node.range) best = node.range[0];
    } else return best;
  }
  return best;
}

/** Fills in `line` from the YAML document: where the field's key (or item) is written, or its nearest existing parent. */
export function locate(issues: PlaybookIssue[], doc: Document | undefined, lines: LineCounter | undefined): PlaybookIssue[] {
  if (!doc || !lines) return issues;
  return issues.map((issue) => {
    const offset = offsetOf(doc, issue.path);
    return offset === undefined ? issue : { ...issue, line: lines.linePos(offset).line };
  });
}

/** Reads the value at a path of a plain tree. */
export function valueAt(tree: unknown, path: FieldPath): unknown {
  let cur = tree;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

const SENSITIVE = /url|token|secret|password|headers|authorization|key/i;

function shown(value: unknown, path: FieldPath, raw: unknown): string | undefined {
  if (path.some((p) => typeof p === 'string' && SENSITIVE.test(p))) return undefined;
  const rawValue = valueAt(raw, path);
  if (typeof rawValue === 'string' && rawValue.includes('${')) return undefined;
  if (value === undefined) return undefined;
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length]![b.length]!;
}

/** Converts zod issues to playbook issues: one per unknown key, the offending value shown when it is safe to. */
export function fromZod(issues: readonly z.core.$ZodIssue[], tree: unknown, knownKeys: ReadonlySet<string>, interpolated: unknown): PlaybookIssue[] {
  const out: PlaybookIssue[] = [];
  for (const i of issues) {
    const path = i.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (i.code === 'unrecognized_keys') {
      for (const key of i.keys) {
        const close = [...knownKeys].filter((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2).sort((a, b) => editDistance(a, key) - editDistance(b, key))[0];
        out.push({ path: [...path, key], message: `unknown field${close ? ` (did you mean "${close}"?)` : ''}` });
      }
      continue;
    }
    let message = i.message.replace(/^Invalid input: /, '');
    if (i.code === 'invalid_type' && valueAt(interpolated, path) === undefined) message = `required: ${message.replace(/, received undefined$/, '')}`;
    else if (i.code === 'invalid_union' && 'note' in i && i.note === 'No matching discriminator') message = `${message}`;
    else {
      const v = shown(valueAt(interpolated, path), path, tree);
      if (v !== undefined && !/received/.test(message)) message += `, got ${v}`;
    }
    out.push({ path, message });
  }
  return out;
}

/** One error for a list of issues: a single line for one issue, a summary plus one line each otherwise. */
export function issuesError(id: ErrorId, file: string, issues: PlaybookIssue[], hint?: string): SwitchyardError {
  const line = (i: PlaybookIssue): string => `${formatPath(i.path)}${i.line ? ` (line ${i.line})` : ''}: ${i.message}`;
  const message = issues.length === 1 ? `${file}: ${line(issues[0]!)}` : `${file}: ${issues.length} problems\n${issues.map((i) => `  ${line(i)}`).join('\n')}`;
  return fail(id, message, {
    hint: hint ?? 'fix the fields named above; `switchyard schema` prints the JSON Schema for editor completion, docs/playbook.md describes every field',
    details: { file, issues: issues.map((i) => ({ path: formatPath(i.path), line: i.line, message: i.message })) },
  });
}
