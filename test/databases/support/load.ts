/**
 * An app under continuous load, as the evidence runs drive it: many short queries, a long query
 * every few seconds and a transaction held across a pause, each outcome recorded with the
 * database user that was current when it was dispatched and the user the database saw.
 */
export interface Outcome {
  kind: 'short' | 'long' | 'transaction';
  ok: boolean;
  /** The adapter's current user when the work was dispatched. */
  dispatchedAs: string | undefined;
  /** current_user as the database reported it (successful work only). */
  servedAs: string | undefined;
  error: string | undefined;
  startedAt: number;
  endedAt: number;
}

export interface LoadApp {
  /** The adapter's user now. */
  user(): string | undefined;
  /** A short query; resolves to the database's current_user. */
  short(id: number): Promise<string>;
  /** A query that takes about two seconds on the server. */
  long(): Promise<string>;
  /** BEGIN, a read, a pause of `pauseMs` while holding the connection, a read, COMMIT. */
  transaction(pauseMs: number): Promise<string>;
}

export interface LoadOptions {
  durationMs: number;
  /** Short queries per second (aimed at; the figure reached is in the result). */
  shortPerSecond: number;
  longEveryMs: number;
  transactionPauseMs: number;
  /** Stops early once this says enough happened (checked each second). */
  enough?(): boolean;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runLoad(app: LoadApp, options: LoadOptions): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const start = performance.now();
  const deadline = start + options.durationMs;
  const running = () => performance.now() < deadline && !(options.enough?.() ?? false);
  const record = async (kind: Outcome['kind'], work: () => Promise<string>) => {
    const dispatchedAs = app.user();
    const startedAt = performance.now();
    try {
      const servedAs = await work();
      outcomes.push({
        kind,
        ok: true,
        dispatchedAs,
        servedAs,
        error: undefined,
        startedAt,
        endedAt: performance.now(),
      });
    } catch (error) {
      outcomes.push({
        kind,
        ok: false,
        dispatchedAs,
        servedAs: undefined,
        error: (error as Error).message,
        startedAt,
        endedAt: performance.now(),
      });
    }
  };
  const workers = 4;
  const gap = (1000 * workers) / options.shortPerSecond;
  const shortWorker = async (w: number) => {
    for (let i = 0; running(); i++) {
      const next = performance.now() + gap;
      await record('short', () => app.short(((i * workers + w) % 100) + 1));
      await pause(Math.max(0, next - performance.now()));
    }
  };
  const longWorker = async () => {
    while (running()) {
      const next = performance.now() + options.longEveryMs;
      await record('long', () => app.long());
      await pause(Math.max(0, next - performance.now()));
    }
  };
  const transactionWorker = async () => {
    while (running()) await record('transaction', () => app.transaction(options.transactionPauseMs));
  };
  await Promise.all([
    ...Array.from({ length: workers }, (_, w) => shortWorker(w)),
    longWorker(),
    transactionWorker(),
  ]);
  return outcomes;
}

export interface LoadSummary {
  queries: number;
  shortPerSecond: number;
  longQueries: number;
  transactions: number;
  failures: number;
  distinctUsers: number;
}

export function summarize(outcomes: Outcome[]): LoadSummary {
  const first = Math.min(...outcomes.map((o) => o.startedAt));
  const last = Math.max(...outcomes.map((o) => o.endedAt));
  const shorts = outcomes.filter((o) => o.kind === 'short').length;
  return {
    queries: outcomes.length,
    shortPerSecond: Math.round((shorts * 1000) / Math.max(1, last - first)),
    longQueries: outcomes.filter((o) => o.kind === 'long').length,
    transactions: outcomes.filter((o) => o.kind === 'transaction').length,
    failures: outcomes.filter((o) => !o.ok).length,
    distinctUsers: new Set(outcomes.map((o) => o.servedAs).filter(Boolean)).size,
  };
}
