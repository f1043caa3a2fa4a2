/**
 * The shared datastore suite: the same cases for every legacy → next engine pair
 * (see the `*.test.ts` files beside this one, one per pair).
 */
import { backfillCases } from './cases-backfill.js';
import { dualWriteCases } from './cases-dual-write.js';
import { resumeCases } from './cases-resume.js';
import { tombstoneCases } from './cases-tombstones.js';
import { typeCases } from './cases-types.js';
import type { EnginePair } from './pairs.js';

/** Registers every case for a pair. */
export function datastoreSuite(pair: EnginePair): void {
  backfillCases(pair);
  typeCases(pair);
  resumeCases(pair);
  dualWriteCases(pair);
  tombstoneCases(pair);
}
