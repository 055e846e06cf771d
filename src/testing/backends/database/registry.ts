import type { DatabaseState, DatabaseUser } from './state';

/**
 * Database states by the clock of the Vault that owns them. Both the core and the object
 * `startMockVault()` returns expose that clock as `clock`, which is what lets a test ask about the
 * pretend database without reaching into the mock's internals.
 */
const byClock = new WeakMap<object, Set<DatabaseState>>();

export function registerDatabase(state: DatabaseState): void {
  const clock = state.core.clock as object;
  let states = byClock.get(clock);
  if (!states) {
    states = new Set();
    byClock.set(clock, states);
  }
  states.add(state);
}

export interface DatabaseUserFilter {
  /** Mount path, with or without the trailing slash (`database`). */
  mount?: string;
  role?: string;
  kind?: DatabaseUser['kind'];
  /** true: only users that can log in now; false: only dropped ones. */
  live?: boolean;
}

/**
 * Users of the pretend databases behind the database engines mounted in a mock Vault: pass the
 * mock (or its core). Expired leases are swept and due static rotations applied first, so the
 * answer is what a real database would hold at the mock clock's current time. Several mocks
 * sharing one ManualClock are reported together.
 */
export function databaseUsers(
  owner: { readonly clock: object },
  filter: DatabaseUserFilter = {},
): DatabaseUser[] {
  const mount = filter.mount === undefined ? undefined : `${filter.mount.replace(/\/+$/, '')}/`;
  const users: DatabaseUser[] = [];
  for (const state of byClock.get(owner.clock) ?? []) {
    if (!state.isMounted() || (mount !== undefined && state.mount.path !== mount)) continue;
    users.push(...state.snapshot());
  }
  return users.filter(
    (u) =>
      (filter.role === undefined || u.role === filter.role) &&
      (filter.kind === undefined || u.kind === filter.kind) &&
      (filter.live === undefined || u.live === filter.live),
  );
}

/** Whether a username and password would log in to the pretend database right now. */
export function databaseCredentialWorks(
  owner: { readonly clock: object },
  username: string,
  password: string,
  filter: Pick<DatabaseUserFilter, 'mount'> = {},
): boolean {
  return databaseUsers(owner, { ...filter, live: true }).some(
    (u) => u.username === username && u.password === password,
  );
}
