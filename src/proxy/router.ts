/**
 * Weighted sticky routing. A call's key is hashed to a bucket in 0..9999; the call goes to
 * the next upstream iff `bucket < splitBp`. Raising a split therefore only ever moves keys
 * from legacy to next, and lowering it only back: a key never flaps at a fixed split.
 * Calls without a key get a per-call random bucket.
 */
import type { UpstreamName } from '../control/snapshots.js';
import type { Metadata } from '../transport/metadata.js';
import type { ProxyMethod } from './methods.js';

/** Number of buckets: one per 0.01 %. */
export const BUCKETS = 10_000;

/**
 * The bucket of a key: FNV-1a over the UTF-16 code units, then murmur3's finalizer for
 * avalanche, mod 10 000. Stable across processes and versions (splits depend on it).
 */
export function bucketOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h = Math.imul(h ^ (c & 0xff), 0x01000193);
    if (c > 0xff) h = Math.imul(h ^ (c >>> 8), 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % BUCKETS;
}

/** The upstream for a bucket under a split. */
export function upstreamFor(bucket: number, splitBp: number): UpstreamName {
  return bucket < splitBp ? 'next' : 'legacy';
}

/** Why a call went where it went. */
export type RouteReason = 'override' | 'sticky' | 'spread';

/** A routing decision, kept with the call (the drain re-evaluates it on split changes). */
export interface RouteDecision {
  upstream: UpstreamName;
  reason: RouteReason;
  /** The call's bucket; -1 for an override. */
  bucket: number;
}

/** Reads a forced route from the override header: `legacy` or `next`, else undefined. */
export function overrideRoute(metadata: Metadata, header: string | null): UpstreamName | undefined {
  if (header === null) return undefined;
  const v = metadata.getText(header);
  if (v === undefined) return undefined;
  const t = v.trim().toLowerCase();
  return t === 'next' || t === 'legacy' ? t : undefined;
}

/** The sticky key from metadata, when the method's key is a metadata key. */
export function metadataKey(method: ProxyMethod, metadata: Metadata): string | undefined {
  if (!method.stickyMetadata) return undefined;
  const v = metadata.getText(method.stickyMetadata);
  return v === undefined || v === '' ? undefined : v;
}

/** Decides a route from a key (or none: a random bucket) and the method's split. */
export function decide(key: string | undefined, splitBp: number, random: () => number = Math.random): RouteDecision {
  const bucket = key === undefined ? Math.floor(random() * BUCKETS) : bucketOf(key);
  return { upstream: upstreamFor(bucket, splitBp), reason: key === undefined ? 'spread' : 'sticky', bucket };
}
