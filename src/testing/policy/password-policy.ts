import { randomInt } from 'node:crypto';
import { multierror, VaultError } from '../core/vault-error';
import { decodeAny, keyValue } from './hcl-decode';
import { HclError, type Item, parseConfig } from './hcl-parser';

/**
 * Vault's password policies (sdk/helper/random): `length` and `rule "charset"` blocks, each a
 * charset and the `min-chars` a password must take from it. A password is drawn from the union of
 * the charsets and drawn again until every rule passes, within Vault's one second.
 */
export interface PasswordPolicy {
  length: number;
  rules: { charset: string[]; minChars: number }[];
  /** The union of the rules' charsets, sorted and without duplicates. */
  charset: string[];
}

/** Vault's bounds on a stored policy's length (handlePoliciesPasswordSet). */
export const MIN_PASSWORD_LENGTH = 4;
export const MAX_PASSWORD_LENGTH = 100;

/** random.ParsePolicy: the HCL, its rules, then validateConfig's checks, with Vault's error texts. */
export function parsePasswordPolicy(raw: string): PasswordPolicy {
  let items: Item[];
  try {
    items = parseConfig(raw);
  } catch (error) {
    throw new HclError(`unable to decode: ${(error as Error).message}`);
  }
  let length = 0;
  const rules: PasswordPolicy['rules'] = [];
  for (const item of items) {
    const key = keyValue(item.keys[0]!);
    if (key === 'length' && item.keys.length === 1) {
      const value = decodeAny('length', item.val);
      if (typeof value !== 'number')
        throw new HclError(
          "failed to decode configuration: 1 error(s) decoding:\n\n* 'length' expected type 'int'",
        );
      length = value;
    } else if (key === 'rule') {
      const type = item.keys[1] ? keyValue(item.keys[1]) : '';
      if (type !== 'charset')
        throw new HclError(
          `unable to parse rules: unable to parse rule ${type}: unrecognized rule type ${type}`,
        );
      const fields = item.val.kind === 'object' ? item.val.items : [];
      let charset = '';
      let minChars = 0;
      for (const field of fields) {
        const name = keyValue(field.keys[0]!);
        const value = decodeAny(name, field.val);
        if (name === 'charset' && typeof value === 'string') charset = value;
        else if (name === 'min-chars' && typeof value === 'number') minChars = value;
      }
      rules.push({ charset: [...charset], minChars });
    }
  }
  const charset = [...new Set(rules.flatMap((r) => r.charset))].sort();
  const problems: string[] = [];
  const minLength = rules.reduce((sum, r) => sum + r.minChars, 0);
  if (length <= 0) problems.push('length must be > 0');
  else if (length < minLength)
    problems.push(`specified rules require at least ${minLength} characters but ${length} is specified`);
  if (charset.length === 0) problems.push('no charset specified');
  else if (charset.some((c) => /[\p{C}]/u.test(c))) problems.push('non-printable character in charset');
  if (problems.length > 0) throw new HclError(multierror(problems));
  return { length, rules, charset };
}

/** StringGenerator.Generate: candidates until one passes every rule, for at most a second. */
export function generateFromPolicy(policy: PasswordPolicy, timeoutMs = 1_000): string {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const candidate = Array.from(
      { length: policy.length },
      () => policy.charset[randomInt(policy.charset.length)]!,
    );
    if (
      policy.rules.every(
        (rule) =>
          rule.minChars <= 0 || candidate.filter((c) => rule.charset.includes(c)).length >= rule.minChars,
      )
    )
      return candidate.join('');
  }
  throw new Error('timed out generating string');
}

/**
 * GeneratePasswordFromPolicy, as secrets engines call it: a password from the stored policy
 * `name`, with Vault's errors when it is missing or fails.
 */
export function passwordFromPolicy(policies: ReadonlyMap<string, string>, name: string): string {
  const raw = policies.get(name);
  if (raw === undefined) throw new VaultError(404, 'policy does not exist');
  let policy: PasswordPolicy;
  try {
    policy = parsePasswordPolicy(raw);
  } catch {
    throw new VaultError(500, 'stored password policy configuration failed to parse');
  }
  try {
    return generateFromPolicy(policy);
  } catch (error) {
    throw new VaultError(500, `failed to generate password from policy: ${(error as Error).message}`);
  }
}
