import v8 from 'node:v8';

/** Heap in use, without code space (compiled code is not what a secret costs). */
function used() {
  return v8
    .getHeapSpaceStatistics()
    .filter((space) => !space.space_name.startsWith('code'))
    .reduce((sum, space) => sum + space.space_used_size, 0);
}

/**
 * The heap once collection stops freeing anything (needs `--expose-gc`). One gc() is not enough:
 * request signals stay reachable until a FinalizationRegistry callback (a later task) removes
 * their abort listener, so each round frees what the previous one unblocked; a single pass left
 * 3 to 10 MB.
 */
export async function heapAfterGc() {
  let last = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < 30; pass++) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = used();
    if (last - now < 64 * 1024) return now;
    last = now;
  }
  return last;
}
