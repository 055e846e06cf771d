import { HclError, type Item, type Node } from './hcl-parser';
import { NO_POS, type Pos, posString, type Token } from './hcl-scanner';

/*
 * hcl.DecodeObject's rules for the few Go types Vault's PathRules struct uses (string, []string,
 * interface{}, map[string][]interface{}), with its error texts: Vault shows them verbatim.
 */

export type DNode = Node | { kind: 'olist'; items: Item[] } | { kind: 'item'; item: Item };

/** Go's %q, near enough: the two differ only for control characters. */
export const goQuote = (s: string) => JSON.stringify(s);

/** ast.ObjectList.Filter: items whose first key matches case-insensitively, that key removed. */
export function strip(items: Item[], key: string): Item[] {
  return items
    .filter((item) => item.keys.length > 0 && keyValue(item.keys[0]!).toLowerCase() === key.toLowerCase())
    .map((item) => ({ ...item, keys: item.keys.slice(1) }));
}

export function decodeField<T>(
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

export function decodeString(name: string, node: DNode): string {
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

export function decodeStrings(name: string, node: DNode, prev: string[] = []): string[] {
  return [...prev, ...sliceElements(node).map((el, i) => decodeString(`${name}[${i}]`, el))];
}

/** Into Go's interface{}: objects become maps directly inside a slice, lists of maps elsewhere. */
export function decodeAny(name: string, node: DNode, _prev?: unknown, inSlice = false): unknown {
  if (node.kind === 'item') throw new HclError(`${name}: cannot decode into interface: *ast.ObjectItem`);
  if (node.kind === 'literal') return tokenValue(node.tok);
  if (node.kind === 'list') return node.items.map((el, i) => decodeAny(`${name}[${i}]`, el, undefined, true));
  const map = decodeMap(name, node, (n, v) => decodeAny(n, v));
  return inSlice ? map : [map];
}

export function decodeParams(
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

export function goType(node: DNode): string {
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

const atPos = (node: DNode, msg: string) => new HclError(`At ${posString(nodePos(node))}: ${msg}`);

// --- Token values (hcl/token.Value).

export function keyValue(tok: Token): string {
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
