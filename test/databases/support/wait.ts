/**
 * Waits for an outside system (a database server) to reach a state: a server ends a session
 * some milliseconds after its client disconnects, and no event tells us when. Bounded: the
 * last value is returned at the deadline, for the test's assertion to judge.
 */
export async function settledValue<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
