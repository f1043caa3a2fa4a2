/**
 * W3C Trace Context (`traceparent`): `VERSION-TRACEID-PARENTID-FLAGS`, e.g.
 * `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`. A hop keeps the trace id and
 * flags and puts its own span id in the parent-id field.
 */
import { randomBytes } from 'node:crypto';

/** The metadata / header key. */
export const TRACEPARENT = 'traceparent';

/** A parsed `traceparent`. */
export interface TraceParent {
  version: string;
  /** 32 lower-case hex digits, not all zero. */
  traceId: string;
  /** 16 lower-case hex digits, not all zero. */
  parentId: string;
  /** 2 hex digits; bit 0 = sampled. */
  flags: string;
}

const PATTERN = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** Parses a `traceparent` value; undefined when malformed (per the spec, then ignored). */
export function parseTraceParent(value: string | undefined): TraceParent | undefined {
  if (!value) return undefined;
  const m = PATTERN.exec(value.trim().toLowerCase());
  if (!m) return undefined;
  const [, version, traceId, parentId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || /^0+$/.test(traceId) || /^0+$/.test(parentId)) return undefined;
  if (version === '00' && rest) return undefined;
  return { version, traceId, parentId, flags };
}

/** Formats a `traceparent` value (always version 00). */
export function formatTraceParent(t: Pick<TraceParent, 'traceId' | 'parentId' | 'flags'>): string {
  return `00-${t.traceId}-${t.parentId}-${t.flags}`;
}

/** A random non-zero span id (16 hex digits). */
export function newSpanId(): string {
  for (;;) {
    const id = randomBytes(8).toString('hex');
    if (id !== '0000000000000000') return id;
  }
}

/** A random non-zero trace id (32 hex digits). */
export function newTraceId(): string {
  for (;;) {
    const id = randomBytes(16).toString('hex');
    if (!/^0+$/.test(id)) return id;
  }
}

/** The next hop: same trace and flags, a new span id. */
export function childOf(parent: TraceParent): TraceParent {
  return { version: '00', traceId: parent.traceId, parentId: newSpanId(), flags: parent.flags };
}
