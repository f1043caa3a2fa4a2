/**
 * A heap budget for long copies. V8 lets old-space garbage pile up while allocation is fast
 * (every chunk's rows survive a few young collections and get promoted), so a copy whose live
 * data is a few chunks can still reach hundreds of MB. Past the budget, between chunks, this
 * asks V8 for a full collection (exposed at run time through `--expose-gc`).
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let collect: (() => void) | undefined | null;

function gcFunction(): (() => void) | null {
  if (collect !== undefined) return collect;
  try {
    const g = (globalThis as { gc?: () => void }).gc;
    if (g) return (collect = g);
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as () => void;
  } catch {
    collect = null;
  }
  return collect;
}

/** Returns a check to call between chunks: collects when the heap exceeds `budgetMb`. Returns the collections done. */
export function createHeapBudget(budgetMb: number): { check(): void; readonly collections: number } {
  let collections = 0;
  return {
    check() {
      if (process.memoryUsage().heapUsed <= budgetMb * 1024 * 1024) return;
      const gc = gcFunction();
      if (!gc) return;
      gc();
      collections++;
    },
    get collections() {
      return collections;
    },
  };
}
