/**
 * Holds the process open while a caller awaits the client: one ref'd handle for exactly as long
 * as at least one call is in progress. Background upkeep runs on unref'd timers only, so a
 * process with nothing else to do still exits; but an awaited `start()` or `secret()` must settle
 * (resolve, or reject with its typed error) instead of Node exiting silently in the middle of a
 * retry whose wait was unref'd, which in Kubernetes is a crash loop with empty logs.
 */
export class KeepAlive {
  #count = 0;
  #handle: NodeJS.Timeout | undefined;

  /** Holds the process open until the returned function is called (once is enough; more is harmless). */
  hold(): () => void {
    this.#count += 1;
    // An interval that never fires in practice: its only job is to be a ref'd handle.
    if (this.#count === 1) this.#handle = setInterval(noop, 2 ** 30);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#count -= 1;
      if (this.#count === 0 && this.#handle) {
        clearInterval(this.#handle);
        this.#handle = undefined;
      }
    };
  }

  /** `work`, with the process held open until it settles. */
  async around<T>(work: Promise<T>): Promise<T> {
    const release = this.hold();
    try {
      return await work;
    } finally {
      release();
    }
  }

  /** Calls in progress now (for tests). */
  get holding(): number {
    return this.#count;
  }
}

function noop(): void {}
