import { LRUCache } from 'lru-cache';

/**
 * The managed secrets by key, bounded: the least recently used go first, except pinned ones
 * (watched by the app), which stay until unpinned. The only module that imports lru-cache.
 */
export class SecretCache<V extends {}> {
  readonly #lru: LRUCache<string, V>;
  readonly #pinned = new Map<string, V>();

  constructor(max: number, onEvict: (key: string, value: V) => void) {
    this.#lru = new LRUCache<string, V>({
      max,
      dispose: (value, key, reason) => {
        // A value moving to the pinned map or being replaced is not leaving.
        if ((reason === 'evict' || reason === 'delete') && !this.#pinned.has(key)) onEvict(key, value);
      },
    });
  }

  get(key: string): V | undefined {
    // Unpinned first: most secrets are read through secret(), and a hit there costs one lookup.
    return this.#lru.get(key) ?? this.#pinned.get(key);
  }

  set(key: string, value: V): void {
    if (this.#pinned.has(key)) this.#pinned.set(key, value);
    else this.#lru.set(key, value);
  }

  pin(key: string): void {
    const value = this.#lru.get(key);
    if (value === undefined) return;
    this.#pinned.set(key, value);
    this.#lru.delete(key);
  }

  unpin(key: string): void {
    const value = this.#pinned.get(key);
    if (value === undefined) return;
    this.#pinned.delete(key);
    this.#lru.set(key, value);
  }

  delete(key: string): void {
    this.#pinned.delete(key);
    this.#lru.delete(key);
  }

  values(): V[] {
    return [...this.#pinned.values(), ...this.#lru.values()];
  }
}
