/**
 * The chaos suite's randomness: one seed, printed, from which every choice is drawn, so a failing
 * run can be replayed with `CHAOS_SEED=<n> npm run test:chaos`.
 */
export function chaosSeed(): number {
  const given = process.env.CHAOS_SEED;
  if (given !== undefined && given.trim() !== '') {
    const seed = Number(given);
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new Error(`CHAOS_SEED must be a non-negative integer, got "${given}"`);
    return seed >>> 0;
  }
  return (Date.now() ^ Math.floor(Math.random() * 2 ** 32)) >>> 0;
}

/** mulberry32: small, fast, and good enough to pick faults; `fork` gives independent streams. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A stream of its own, so adding draws in one place does not shift every other choice. */
  fork(label: string): Rng {
    let h = this.#state ^ 0x9e3779b9;
    for (const ch of label) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    return new Rng(h);
  }
}
