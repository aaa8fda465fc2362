import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Heap growth across a workload, measured after full garbage collections. vitest runs tests
 * without --expose-gc, so the flag is turned on at run time and `gc` taken from a new context.
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function settledHeap(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/**
 * Runs `work` once to warm caches (compiled code, zod internals), then again between two
 * settled heap readings; returns the growth in bytes. A leak of even a few hundred bytes per
 * case shows up over tens of thousands of cases.
 */
export async function heapGrowth(work: () => void | Promise<void>): Promise<number> {
  await work();
  const before = settledHeap();
  await work();
  return settledHeap() - before;
}
