import { VaultError } from '../core/vault-error';
import { DEFAULT_POLICY_HCL } from '../policy/default-policy';
import { PolicyParseError, parsePolicy } from '../policy/parse-policy';
import type { Policy } from '../policy/types';

interface StoredPolicy {
  name: string;
  text: string;
  parsed: Policy;
}

/** ACL policies by name, with Vault's built-in `root` and `default`. Names are case-insensitive. */
export class PolicyStore {
  readonly #policies = new Map<string, StoredPolicy>();

  constructor() {
    this.#policies.set('default', {
      name: 'default',
      text: DEFAULT_POLICY_HCL,
      parsed: parsePolicy('default', DEFAULT_POLICY_HCL),
    });
    this.#policies.set('root', { name: 'root', text: '', parsed: { name: 'root', rules: [] } });
  }

  put(name: string, text: string): void {
    const key = name.toLowerCase();
    if (key === 'root') throw new VaultError(400, 'cannot update "root" policy');
    let parsed: Policy;
    try {
      parsed = parsePolicy(key, text);
    } catch (error) {
      if (error instanceof PolicyParseError) throw new VaultError(400, error.message);
      throw error;
    }
    this.#policies.set(key, { name: key, text, parsed });
  }

  get(name: string): StoredPolicy | undefined {
    return this.#policies.get(name.toLowerCase());
  }

  delete(name: string): void {
    const key = name.toLowerCase();
    // Vault's two messages differ: root is an immutable policy, default a special case.
    if (key === 'root') throw new VaultError(400, 'cannot delete "root" policy');
    if (key === 'default') throw new VaultError(400, 'cannot delete default policy');
    this.#policies.delete(key);
  }

  /** Policy names as Vault lists them: sorted, with `root` appended last. */
  names(): string[] {
    return [...[...this.#policies.keys()].filter((name) => name !== 'root').sort(), 'root'];
  }

  /** The parsed policies a token's names refer to; names with no policy are skipped, as in Vault. */
  resolve(names: readonly string[]): Policy[] {
    return names.flatMap((name) => {
      const stored = this.#policies.get(name.toLowerCase());
      return stored ? [stored.parsed] : [];
    });
  }
}
