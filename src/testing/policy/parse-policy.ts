import { HclError, type Item, type Node, parseConfig } from './hcl-parser';
import { NO_POS, type Pos, posString, type Token } from './hcl-scanner';
import type { Capability, Policy, PolicyRule } from './types';

/*
 * Vault's ACL policy parser (vault/policy.go parseACLPolicyWithTemplating + parsePaths, and the
 * hcl.DecodeObject rules it relies on). Messages are Vault's, byte for byte where the source was
 * read; `failed to parse policy: ` is the prefix Vault puts on all of them, and the 400 body of
 * sys/policy and sys/policies/acl carries that string as its only error.
 */

export class PolicyParseError extends Error {
  override name = 'PolicyParseError';
}

/** An error that Vault wraps once more in `failed to parse policy: `. */
class Refusal extends Error {}

type DNode = Node | { kind: 'olist'; items: Item[] } | { kind: 'item'; item: Item };

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

/** Go's %q, near enough: the two differ only for control characters. */
const q = (s: string) => JSON.stringify(s);

export function parsePolicy(name: string, text: string): Policy {
  try {
    return { name, rules: parseRules(text) };
  } catch (error) {
    if (error instanceof HclError || error instanceof Refusal) {
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
    throw new Refusal(`path ${q(key)}: cannot check HCL keys of type ${goType(val)}`);
  refuseKeys(val.items, PATH_KEYS, `path ${q(key)}: `);
  let decoded: ReturnType<typeof decodePathFields>;
  try {
    decoded = decodePathFields(val.items);
  } catch (error) {
    if (error instanceof Refusal) throw new Refusal(`path ${q(key)}: ${error.message}`);
    throw error;
  }
  const path = key.startsWith('/') ? key.slice(1) : key;
  if (path.includes('+*')) throw new Refusal(`path ${q(path)}: invalid use of wildcards ('+*' is forbidden)`);
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
    if (!legacy) throw new Refusal(`path ${q(key)}: invalid policy ${q(decoded.policy)}`);
    named = decoded.policy === 'deny' ? legacy : [...named, ...legacy];
  }
  const granted = new Set<Capability>();
  for (const capability of named) {
    // Vault stops at the first deny, so anything after it (even garbage) is never looked at.
    if (capability === 'deny') return { ...rule, capabilities: ['deny'] };
    if (!GRANTS.has(capability as Capability))
      throw new Refusal(`path ${q(key)}: invalid capability ${q(capability)}`);
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
    throw new Refusal('max_wrapping_ttl cannot be less than min_wrapping_ttl');
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
  if (errors.length === 1) throw new Refusal(`1 error occurred:\n\t* ${errors[0]}\n\n`);
  if (errors.length > 1) {
    throw new Refusal(`${errors.length} errors occurred:\n\t${errors.map((e) => `* ${e}`).join('\n\t')}\n\n`);
  }
}

/** identitytpl's validity check: `{{` and `}}` must pair up. */
function checkTemplating(key: string): boolean {
  const [head, ...rest] = key.split('{{');
  if (head!.includes('}}') || rest.some((piece) => piece.split('}}').length !== 2)) {
    throw new Refusal('failed to validate policy templating: unbalanced templating characters');
  }
  return rest.length > 0;
}

// --- hcl.DecodeObject, for the handful of Go types PathRules uses.

/** ast.ObjectList.Filter: items whose first key matches case-insensitively, that key removed. */
function strip(items: Item[], key: string): Item[] {
  return items
    .filter((item) => item.keys.length > 0 && keyValue(item.keys[0]!).toLowerCase() === key.toLowerCase())
    .map((item) => ({ ...item, keys: item.keys.slice(1) }));
}

function decodeField<T>(
  items: Item[],
  key: string,
  field: string,
  decode: (name: string, node: DNode, prev?: T) => T,
) {
  const name = `root.${field}`;
  const matches = strip(items, key);
  const children = matches.filter((item) => item.keys.length > 0);
  let value = children.length > 0 ? decode(name, { kind: 'olist', items: children }) : undefined;
  for (const match of matches.filter((item) => item.keys.length === 0)) {
    value = decode(
      name,
      match.val.kind === 'object' ? { kind: 'olist', items: match.val.items } : match.val,
      value,
    );
  }
  return value;
}

function decodeString(name: string, node: DNode): string {
  if (node.kind === 'literal' && node.tok.type === 'NUMBER') return node.tok.text;
  if (node.kind === 'literal' && (node.tok.type === 'STRING' || node.tok.type === 'HEREDOC'))
    return tokenValue(node.tok) as string;
  throw atPos(node, `${name}: unknown type for string ${goType(node)}`);
}

function sliceElements(node: DNode): DNode[] {
  if (node.kind === 'olist') return node.items.map((item) => ({ kind: 'item', item }));
  if (node.kind === 'object') return [node];
  if (node.kind === 'list') return node.items;
  throw atPos(node, `unknown slice type: ${goType(node)}`);
}

function decodeStrings(name: string, node: DNode, prev: string[] = []): string[] {
  return [...prev, ...sliceElements(node).map((el, i) => decodeString(`${name}[${i}]`, el))];
}

/** Into Go's interface{}: objects become maps directly inside a slice, lists of maps elsewhere. */
function decodeAny(name: string, node: DNode, _prev?: unknown, inSlice = false): unknown {
  if (node.kind === 'item') throw new Refusal(`${name}: cannot decode into interface: *ast.ObjectItem`);
  if (node.kind === 'literal') return tokenValue(node.tok);
  if (node.kind === 'list') return node.items.map((el, i) => decodeAny(`${name}[${i}]`, el, undefined, true));
  const map = decodeMap(name, node, (n, v) => decodeAny(n, v));
  return inSlice ? map : [map];
}

function decodeParams(
  name: string,
  node: DNode,
  prev?: Record<string, unknown[]>,
): Record<string, unknown[]> {
  return decodeMap(
    name,
    node,
    (n, v, old: unknown[] = []) => [
      ...old,
      ...sliceElements(v).map((el, i) => decodeAny(`${n}[${i}]`, el, undefined, true)),
    ],
    prev,
  );
}

function decodeMap<T>(
  name: string,
  node: DNode,
  decode: (name: string, node: DNode, prev?: T) => T,
  prev?: Record<string, T>,
) {
  const list =
    node.kind === 'item'
      ? [node.item]
      : node.kind === 'object' || node.kind === 'olist'
        ? node.items
        : undefined;
  if (!list) throw atPos(node, `${name}: not an object type for map (${goType(node)})`);
  const out: Record<string, T> = { ...prev };
  const done = new Set<string>();
  for (const item of list) {
    if (item.keys.length === 0)
      throw atPos({ kind: 'olist', items: list }, `${name}: map must have string keys`);
    const key = keyValue(item.keys[0]!);
    if (done.has(key)) continue;
    let val: DNode = item.val;
    if (item.keys.length > 1) {
      val = { kind: 'olist', items: strip(list, key) };
      done.add(key);
    }
    out[key] = decode(`${name}.${key}`, val, out[key]);
  }
  return out;
}

function goType(node: DNode): string {
  const names = {
    literal: 'LiteralType',
    list: 'ListType',
    object: 'ObjectType',
    olist: 'ObjectList',
    item: 'ObjectItem',
  };
  return `*ast.${names[node.kind]}`;
}

function nodePos(node: DNode): Pos {
  if (node.kind === 'literal') return node.tok.pos;
  if (node.kind === 'olist') return node.items[0]?.keys[0]?.pos ?? NO_POS;
  if (node.kind === 'item') return node.item.keys[0]?.pos ?? NO_POS;
  return node.pos;
}

const atPos = (node: DNode, msg: string) => new Refusal(`At ${posString(nodePos(node))}: ${msg}`);

// --- Token values (hcl/token.Value) and Vault's duration parsing.

function keyValue(tok: Token): string {
  return tok.type === 'STRING' ? (tokenValue(tok) as string) : tok.text;
}

function tokenValue(tok: Token): string | number | boolean {
  if (tok.type === 'BOOL') return tok.text === 'true';
  if (tok.type === 'FLOAT') return Number.parseFloat(tok.text);
  if (tok.type === 'NUMBER') return goInt(tok.text);
  if (tok.type === 'HEREDOC') return heredoc(tok.text);
  if (tok.type === 'STRING') return tok.text === '' ? '' : unquote(tok.text.slice(1, -1), tok.json);
  return tok.text;
}

/** strconv.ParseInt(s, 0, 64): a 0x, 0o, 0b or bare leading-0 (octal) prefix picks the base. */
function goInt(text: string): number {
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[-+]/, '');
  const base = /^0[xX]/.test(body) ? 16 : /^0[bB]/.test(body) ? 2 : /^0[oO]?\d/.test(body) ? 8 : 10;
  return sign * Number.parseInt(base === 10 ? body : body.replace(/^0[xXbBoO]?/, ''), base);
}

const ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
};

/** hcl's Unquote: Go escapes, except that `${...}` interpolations are copied untouched. */
function unquote(body: string, json: boolean): string {
  let out = '';
  for (let i = 0; i < body.length; ) {
    if (!json && body.startsWith('${', i)) {
      let depth = 0;
      const start = i;
      do depth += body[i] === '{' ? 1 : body[i] === '}' ? -1 : 0;
      while (++i < body.length && !(depth === 0 && body[i - 1] === '}'));
      out += body.slice(start, i);
    } else if (body[i] !== '\\') {
      out += body[i++];
    } else {
      const c = body[i + 1]!;
      const width = c >= '0' && c <= '7' ? 3 : ({ x: 2, u: 4, U: 8 } as Record<string, number>)[c];
      if (width === undefined) {
        out += ESCAPES[c] ?? c;
        i += 2;
      } else {
        const digits = width === 3 ? body.slice(i + 1, i + 4) : body.slice(i + 2, i + 2 + width);
        out += String.fromCodePoint(Number.parseInt(digits, width === 3 ? 8 : 16));
        i += width === 3 ? 4 : 2 + width;
      }
    }
  }
  return out;
}

/** token.unindentHeredoc: `<<ID` keeps the text; `<<-ID` strips the closing marker's indentation. */
function heredoc(text: string): string {
  const marker = text.indexOf('\n');
  const plain = text.slice(marker + 1, text.length - marker + 1);
  if (text[2] !== '-') return plain;
  const lines = text.slice(marker + 1, text.length - marker + 2).split('\n');
  const indent = lines[lines.length - 1]!;
  if (!lines.every((line) => line.startsWith(indent))) return plain.replace(/[ \t]+$/, '');
  return lines.map((line, i) => (i === lines.length - 1 ? '' : line.slice(indent.length))).join('\n');
}

function wrappingTtl(field: string, raw: unknown): number {
  try {
    return durationSeconds(raw);
  } catch (error) {
    throw new Refusal(`error parsing ${field}: ${(error as Error).message}`);
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
