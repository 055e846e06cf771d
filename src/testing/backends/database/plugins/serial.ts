/**
 * One operation at a time, as each of Vault's SQL plugins holds its lock for every user
 * operation: concurrent GRANTs and REVOKEs on one table fail in PostgreSQL ("tuple concurrently
 * updated"), so the plugin must not issue them side by side.
 */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(work, work);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
