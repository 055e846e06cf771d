/** One request as the mock saw it. Holds the token's accessor, never the token. */
export interface AuditEntry {
  readonly time: number;
  readonly method: string;
  readonly path: string;
  readonly operation: string;
  readonly status: number;
  readonly accessor: string | undefined;
  readonly namespace: string | undefined;
  /** The first error string of the answer, if it was an error. */
  readonly error: string | undefined;
  /** Set when the answer came from injected fault rather than from the mock's Vault logic. */
  readonly fault: string | undefined;
  /** Whether the path is one the mock does not implement. */
  readonly unhandled: boolean;
  /** `http` for requests on the wire, `helper` for the mock's own programmatic helpers. */
  readonly via: 'http' | 'helper';
}

export interface AuditQuery {
  path?: string | RegExp;
  /** Defaults to `http`: what clients sent, not the test's own setup. */
  via?: 'http' | 'helper' | 'any';
  method?: string;
  status?: number;
}

export class AuditLog {
  readonly #entries: AuditEntry[] = [];

  record(entry: AuditEntry): void {
    this.#entries.push(Object.freeze(entry));
  }

  entries(query: AuditQuery = {}): AuditEntry[] {
    return this.#entries.filter(
      (e) =>
        (query.path === undefined ||
          (typeof query.path === 'string' ? e.path === query.path : query.path.test(e.path))) &&
        (query.via === 'any' || e.via === (query.via ?? 'http')) &&
        (query.method === undefined || e.method === query.method.toUpperCase()) &&
        (query.status === undefined || e.status === query.status),
    );
  }

  count(query: AuditQuery = {}): number {
    return this.entries(query).length;
  }

  clear(): void {
    this.#entries.length = 0;
  }
}
