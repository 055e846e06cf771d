import { MountTable } from '../store/mounts';
import { PolicyStore } from '../store/policies';
import { base62 } from './ids';

/**
 * A Vault Enterprise namespace: its own mounts and policies (tokens and leases carry the id of
 * the namespace they belong to). The root namespace has the id `root` and the path ''; the
 * others have a five-character id and a path ending in a slash (`team-a/`, `team-a/dev/`).
 */
export interface Namespace {
  readonly id: string;
  readonly path: string;
  readonly mounts: MountTable;
  readonly policies: PolicyStore;
  customMetadata: Record<string, string>;
}

export const ROOT_NAMESPACE_ID = 'root';

/** Names a namespace may not have (openbao/openbao internal/helper/namespace reservedNames). */
const RESERVED_NAMES = ['', '.', '..', 'root', 'sys', 'audit', 'auth', 'cubbyhole', 'identity'];

/** namespace.Canonicalize: no leading slash, no duplicate ones, one trailing slash ('' for root). */
export function canonicalNamespace(path: string): string {
  const segments = path.split('/').filter((segment) => segment !== '' && segment !== '.');
  return segments.length === 0 ? '' : `${segments.join('/')}/`;
}

/** namespace.ParseName: one non-reserved segment, canonicalized; throws with Vault's text. */
export function parseNamespaceName(input: string): string {
  const name = canonicalNamespace(input);
  if (name === '') throw new Error('namespace name cannot be empty');
  const clipped = name.slice(0, -1);
  if (clipped.includes('/')) throw new Error('namespace name cannot contain /');
  if (RESERVED_NAMES.includes(clipped))
    throw new Error(`"${name}" is a reserved path and cannot be used as a namespace name`);
  return name;
}

/** The namespace tree, by path and by id. */
export class NamespaceStore {
  readonly root: Namespace;
  readonly #byPath = new Map<string, Namespace>();
  readonly #byId = new Map<string, Namespace>();

  constructor(rootMounts: MountTable, rootPolicies: PolicyStore) {
    this.root = {
      id: ROOT_NAMESPACE_ID,
      path: '',
      mounts: rootMounts,
      policies: rootPolicies,
      customMetadata: {},
    };
    this.#add(this.root);
  }

  /** A new namespace `name` (one segment) under `parent`, with fresh mounts and policies. */
  create(parent: Namespace, name: string, customMetadata: Record<string, string>): Namespace {
    const path = `${parent.path}${name}`;
    let id = base62(5);
    while (this.#byId.has(id)) id = base62(5);
    const namespace: Namespace = {
      id,
      path,
      mounts: new MountTable(),
      policies: new PolicyStore(),
      customMetadata,
    };
    this.#add(namespace);
    return namespace;
  }

  #add(namespace: Namespace): void {
    this.#byPath.set(namespace.path, namespace);
    this.#byId.set(namespace.id, namespace);
  }

  remove(namespace: Namespace): void {
    this.#byPath.delete(namespace.path);
    this.#byId.delete(namespace.id);
  }

  byPath(path: string): Namespace | undefined {
    return this.#byPath.get(canonicalNamespace(path));
  }

  byId(id: string): Namespace | undefined {
    return this.#byId.get(id);
  }

  /** The namespaces directly under `parent`. */
  children(parent: Namespace): Namespace[] {
    return [...this.#byPath.values()].filter(
      (ns) =>
        ns !== parent &&
        ns.path.startsWith(parent.path) &&
        !ns.path.slice(parent.path.length, -1).includes('/'),
    );
  }

  all(): Namespace[] {
    return [...this.#byPath.values()];
  }

  /**
   * ResolveNamespaceFromRequest: the header (absolute; "root" means the root) stacked before the
   * request path, matched to the namespace with the longest path that prefixes it, which must
   * cover the whole header. Returns the namespace and the path inside it, or undefined.
   */
  resolve(
    header: string | undefined,
    requestPath: string,
  ): { namespace: Namespace; path: string } | undefined {
    let prefix = canonicalNamespace(header ?? '');
    if (prefix === 'root/') prefix = '';
    const full = `${prefix}${requestPath}`;
    let best = this.root;
    for (const namespace of this.#byPath.values()) {
      if (namespace.path.length > best.path.length && full.startsWith(namespace.path)) best = namespace;
    }
    if (!best.path.startsWith(prefix)) return undefined;
    return { namespace: best, path: full.slice(best.path.length) };
  }
}

/** Whether `inner` is `outer` or lies under it (namespace.HasParent, inclusive). */
export function within(inner: Namespace, outer: Namespace): boolean {
  return inner.path.startsWith(outer.path);
}
