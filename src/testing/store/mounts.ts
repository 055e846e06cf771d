import type { Backend } from '../core/backend';
import { base62, uuid } from '../core/ids';
import type { MountInfo } from '../core/types';

export interface Mounted {
  info: MountInfo;
  backend: Backend;
}

/** The mount table: one backend per path prefix, matched longest prefix first, as Vault's router does. */
export class MountTable {
  readonly #mounts = new Map<string, Mounted>();

  add(path: string, type: string, backend: Backend, settings: Partial<MountInfo> = {}): Mounted {
    const info: MountInfo = {
      path,
      type,
      accessor: `${type.replace(/[^a-z0-9]/g, '')}_${base62(8).toLowerCase()}`,
      uuid: uuid(),
      description: settings.description ?? '',
      defaultLeaseTtl: settings.defaultLeaseTtl ?? 0,
      maxLeaseTtl: settings.maxLeaseTtl ?? 0,
      options: settings.options ?? {},
    };
    const mounted = { info, backend };
    this.#mounts.set(path, mounted);
    return mounted;
  }

  get(path: string): Mounted | undefined {
    return this.#mounts.get(path);
  }

  remove(path: string): Mounted | undefined {
    const mounted = this.#mounts.get(path);
    this.#mounts.delete(path);
    return mounted;
  }

  /** The mount whose path is the longest prefix of `path` (with or without its trailing slash). */
  match(path: string): { mounted: Mounted; rest: string } | undefined {
    let best: Mounted | undefined;
    for (const [prefix, mounted] of this.#mounts) {
      const hit = path.startsWith(prefix) || `${path}/` === prefix;
      if (hit && (!best || prefix.length > best.info.path.length)) best = mounted;
    }
    if (!best) return undefined;
    return { mounted: best, rest: path.slice(best.info.path.length) };
  }

  /** Whether `path` would sit inside, or contain, an existing mount. */
  conflicts(path: string): string | undefined {
    for (const prefix of this.#mounts.keys()) {
      if (path.startsWith(prefix) || prefix.startsWith(path)) return prefix;
    }
    return undefined;
  }

  list(filter: (info: MountInfo) => boolean): MountInfo[] {
    return [...this.#mounts.values()].map((m) => m.info).filter(filter);
  }
}
