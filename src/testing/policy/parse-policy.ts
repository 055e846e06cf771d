import {
  decodeAny,
  decodeField,
  decodeParams,
  decodeString,
  decodeStrings,
  goType,
  keyValue,
  goQuote as q,
  strip,
} from './hcl-decode';
import { HclError, type Item, type Node, parseConfig } from './hcl-parser';
import type { Capability, Policy, PolicyRule } from './types';

/*
 * Vault's ACL policy parser (vault/policy.go parseACLPolicyWithTemplating + parsePaths; the HCL
 * layer lives in hcl-*.ts). Messages are Vault's, byte for byte where the Go source was read;
 * `failed to parse policy: ` prefixes all of them, and the 400 body of sys/policy and
 * sys/policies/acl carries that string as its only error. Uncertain texts are marked below.
 */

export class PolicyParseError extends Error {
  override name = 'PolicyParseError';
}

const PATH_KEYS = new Set([
  'comment',
  'policy',
  'capabilities',
  'allowed_parameters',
  'denied_parameters',
  'required_parameters',
  'min_wrapping_ttl',
  'max_wrapping_ttl',
  'mfa_methods',
  'control_group',
  'subscribe_event_types',
]);
const GRANTS = new Set<Capability>([
  'create',
  'read',
  'update',
  'delete',
  'list',
  'sudo',
  'patch',
  'subscribe',
  'recover',
]);
const WRITE: Capability[] = ['create', 'read', 'update', 'delete', 'list'];
const LEGACY: Record<string, Capability[]> = {
  read: ['read', 'list'],
  write: WRITE,
  sudo: [...WRITE, 'sudo'],
};

export function parsePolicy(name: string, text: string): Policy {
  try {
    return { name, rules: parseRules(text) };
  } catch (error) {
    if (error instanceof HclError) {
      throw new PolicyParseError(`failed to parse policy: ${error.message}`);
    }
    throw error;
  }
}

function parseRules(text: string): PolicyRule[] {
  const list = parseConfig(text);
  refuseKeys(list, new Set(['name', 'path']), '');
  decodeField(list, 'name', 'name', decodeString);
  return strip(list, 'path').map((item) =>
    parsePath(item.keys[0] ? keyValue(item.keys[0]) : 'path', item.val),
  );
}

function parsePath(key: string, val: Node): PolicyRule {
  const templated = checkTemplating(key);
  if (val.kind !== 'object')
    throw new HclError(`path ${q(key)}: cannot check HCL keys of type ${goType(val)}`);
  refuseKeys(val.items, PATH_KEYS, `path ${q(key)}: `);
  let decoded: ReturnType<typeof decodePathFields>;
  try {
    decoded = decodePathFields(val.items);
  } catch (error) {
    if (error instanceof HclError) throw new HclError(`path ${q(key)}: ${error.message}`);
    throw error;
  }
  const path = key.startsWith('/') ? key.slice(1) : key;
  if (path.includes('+*'))
    throw new HclError(`path ${q(path)}: invalid use of wildcards ('+*' is forbidden)`);
  const hasSegmentWildcards = path === '+' || path.includes('/+') || path.startsWith('+/');
  const rule: PolicyRule = {
    path,
    capabilities: [],
    isPrefix: !hasSegmentWildcards && path.endsWith('*'),
    hasSegmentWildcards,
    templated,
  };

  let named: string[] = decoded.capabilities ?? [];
  if (decoded.policy) {
    const legacy = decoded.policy === 'deny' ? ['deny'] : LEGACY[decoded.policy];
    if (!legacy) throw new HclError(`path ${q(key)}: invalid policy ${q(decoded.policy)}`);
    named = decoded.policy === 'deny' ? legacy : [...named, ...legacy];
  }
  const granted = new Set<Capability>();
  for (const capability of named) {
    // Vault stops at the first deny, so anything after it (even garbage) is never looked at.
    if (capability === 'deny') return { ...rule, capabilities: ['deny'] };
    if (!GRANTS.has(capability as Capability))
      throw new HclError(`path ${q(key)}: invalid capability ${q(capability)}`);
    granted.add(capability as Capability);
  }
  rule.capabilities = [...granted];

  const lowerKeys = (params: Record<string, unknown[]>) =>
    Object.fromEntries(Object.entries(params).map(([k, v]) => [k.toLowerCase(), v]));
  if (decoded.allowed) rule.allowedParameters = lowerKeys(decoded.allowed);
  if (decoded.denied) rule.deniedParameters = lowerKeys(decoded.denied);
  if (decoded.minTtl !== undefined) rule.minWrappingTtl = wrappingTtl('min_wrapping_ttl', decoded.minTtl);
  if (decoded.maxTtl !== undefined) rule.maxWrappingTtl = wrappingTtl('max_wrapping_ttl', decoded.maxTtl);
  if (decoded.mfa) rule.mfaMethods = decoded.mfa;
  if (decoded.controlGroup !== undefined) rule.controlGroup = decoded.controlGroup;
  if (rule.minWrappingTtl && rule.maxWrappingTtl && rule.maxWrappingTtl < rule.minWrappingTtl) {
    throw new HclError('max_wrapping_ttl cannot be less than min_wrapping_ttl');
  }
  if (decoded.required?.length) rule.requiredParameters = decoded.required;
  if (decoded.events) rule.subscribeEventTypes = decoded.events;
  return rule;
}

/** hcl.DecodeObject into Vault's PathRules struct: fields in declaration order, first error wins. */
function decodePathFields(items: Item[]) {
  return {
    policy: decodeField(items, 'policy', 'Policy', decodeString),
    capabilities: decodeField(items, 'capabilities', 'Capabilities', decodeStrings),
    minTtl: decodeField(items, 'min_wrapping_ttl', 'min_wrapping_ttl', decodeAny),
    maxTtl: decodeField(items, 'max_wrapping_ttl', 'max_wrapping_ttl', decodeAny),
    allowed: decodeField(items, 'allowed_parameters', 'allowed_parameters', decodeParams),
    denied: decodeField(items, 'denied_parameters', 'denied_parameters', decodeParams),
    required: decodeField(items, 'required_parameters', 'required_parameters', decodeStrings),
    mfa: decodeField(items, 'mfa_methods', 'mfa_methods', decodeStrings),
    controlGroup: decodeField(items, 'control_group', 'control_group', decodeAny),
    events: decodeField(items, 'subscribe_event_types', 'subscribe_event_types', decodeStrings),
  };
}

/** hclutil.CheckHCLKeys, reported as a go-multierror list. */
function refuseKeys(items: Item[], valid: Set<string>, prefix: string): void {
  const errors = items
    .map((item) => keyValue(item.keys[0]!))
    .flatMap((key, i) =>
      valid.has(key) ? [] : [`${prefix}invalid key ${q(key)} on line ${items[i]!.assign.line}`],
    );
  if (errors.length === 1) throw new HclError(`1 error occurred:\n\t* ${errors[0]}\n\n`);
  if (errors.length > 1) {
    throw new HclError(
      `${errors.length} errors occurred:\n\t${errors.map((e) => `* ${e}`).join('\n\t')}\n\n`,
    );
  }
}

/** identitytpl's validity check: `{{` and `}}` must pair up. */
function checkTemplating(key: string): boolean {
  const [head, ...rest] = key.split('{{');
  if (head!.includes('}}') || rest.some((piece) => piece.split('}}').length !== 2)) {
    throw new HclError('failed to validate policy templating: unbalanced templating characters');
  }
  return rest.length > 0;
}

function wrappingTtl(field: string, raw: unknown): number {
  try {
    return durationSeconds(raw);
  } catch (error) {
    throw new HclError(`error parsing ${field}: ${(error as Error).message}`);
  }
}

/** parseutil.ParseDurationSecond: seconds as int, float (truncated), "<n>d", or a Go duration. */
function durationSeconds(raw: unknown): number {
  if (typeof raw === 'number') return Math.trunc(raw);
  if (typeof raw !== 'string') throw new Error('could not parse duration from input');
  if (raw === '') return 0;
  if (/^[-+]?\d+$/.test(raw)) return Number(raw);
  if (raw.endsWith('d')) {
    const days = raw.slice(0, -1);
    if (!/^[-+]?\d+$/.test(days)) throw new Error(`strconv.ParseInt: parsing ${q(days)}: invalid syntax`);
    return Number(days) * 86400;
  }
  return goDuration(raw);
}

const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/** time.ParseDuration, with its three error messages. */
function goDuration(orig: string): number {
  const invalid = new Error(`time: invalid duration ${q(orig)}`);
  let rest = orig.replace(/^[-+]/, '');
  const sign = orig.startsWith('-') ? -1 : 1;
  if (rest === '0') return 0;
  if (rest === '') throw invalid;
  let total = 0;
  while (rest !== '') {
    const number = /^\d*(\.\d*)?/.exec(rest)![0];
    if (number === '' || number === '.') throw invalid;
    rest = rest.slice(number.length);
    const unit = /^[^.\d]*/.exec(rest)![0];
    if (unit === '') throw new Error(`time: missing unit in duration ${q(orig)}`);
    if (!(unit in UNIT_SECONDS)) throw new Error(`time: unknown unit ${q(unit)} in duration ${q(orig)}`);
    total += Number(number) * UNIT_SECONDS[unit]!;
    rest = rest.slice(unit.length);
  }
  return sign * total;
}
