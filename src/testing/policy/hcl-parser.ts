import { NO_POS, type Pos, posString, Scanner, type Token } from './hcl-scanner';

/*
 * The shape of hashicorp/hcl v1's parsers (HCL and its lax JSON dialect), mirrored call for call
 * so that the error Vault reports for a broken policy is the one we report: Go keeps scanning
 * lazily, lets the last scanner error win over the parser's, and silently accepts some garbage.
 */

export interface Item {
  keys: Token[];
  /** Where `=` or `:` stood; NO_POS for `name { ... }` blocks, hence Vault's "on line 0". */
  assign: Pos;
  val: Node;
}

export type Node =
  | { kind: 'literal'; tok: Token }
  | { kind: 'list'; items: Node[]; pos: Pos }
  | { kind: 'object'; items: Item[]; pos: Pos };

/** Anything Vault reports after `failed to parse policy: `, from the parser or from policy checks. */
export class HclError extends Error {}

/** Go's errEofToken: ends a list of items quietly, wherever it surfaces. */
const EOF_TOKEN = Symbol('EOF token found');
const LITERALS = new Set(['NUMBER', 'FLOAT', 'BOOL', 'STRING', 'HEREDOC']);

const posError = (pos: Pos, msg: string) => new HclError(`At ${posString(pos)}: ${msg}`);
const describe = (tok: Token) => `${posString(tok.pos)} ${tok.type} ${tok.text}`;

/** hcl.Parse: JSON when the first non-space character is `{`, HCL otherwise. */
export function parseConfig(src: string): Item[] {
  const json = /^\s*\{/u.test(src);
  const scanner = new Scanner(json ? src : src.replaceAll('\r\n', '\n'), json);
  const parser = new Parser(scanner);
  let items: Item[] = [];
  let failure: unknown;
  try {
    items = json ? parser.jsonRoot() : parser.objectList(false);
  } catch (error) {
    failure = error;
  }
  if (scanner.error !== undefined) throw new HclError(scanner.error);
  if (failure === EOF_TOKEN) throw new HclError('EOF token found');
  if (failure !== undefined) throw failure;
  return json ? flatten(items) : items;
}

class Parser {
  #tok: Token = { type: 'ILLEGAL', pos: NO_POS, text: '', json: false };
  #buffered = false;

  constructor(private readonly sc: Scanner) {}

  #scan(): Token {
    if (this.#buffered) this.#buffered = false;
    else
      do this.#tok = this.sc.scan();
      while (this.#tok.type === 'COMMENT');
    return this.#tok;
  }

  objectList(inObject: boolean): Item[] {
    const items: Item[] = [];
    const seen = new Set<string>();
    for (;;) {
      if (inObject && this.#scan().type === 'RBRACE') {
        this.#buffered = true;
        break;
      }
      if (inObject) this.#buffered = true;
      let item: Item;
      try {
        item = this.#objectItem();
      } catch (error) {
        if (error === EOF_TOKEN) break;
        throw error;
      }
      // Duplicate attributes: older Vault kept the last, 1.20 warned, newer releases refuse them.
      // This is hcl.Parse's own text; that Vault passes it through unchanged is unverified.
      for (const key of item.assign.line > 0 ? item.keys : []) {
        if (seen.has(key.text)) {
          throw new HclError(
            `The argument ${JSON.stringify(key.text)} at ${posString(key.pos)} was already set. Each argument can only be defined once`,
          );
        }
        seen.add(key.text);
      }
      items.push(item);
      if (this.#scan().type !== 'COMMA') this.#buffered = true;
    }
    return items;
  }

  #objectItem(): Item {
    const { keys, error } = this.#objectKey();
    let failure = keys.length > 0 && error === EOF_TOKEN ? undefined : error;
    let tok = this.#tok;
    if (keys.length > 0 && failure !== undefined && tok.type === 'RBRACE') {
      failure = undefined;
      tok = { ...tok, type: 'EOF' };
    }
    if (failure !== undefined) throw failure;
    if (tok.type === 'ASSIGN') return { keys, assign: tok.pos, val: this.#value() };
    if (tok.type === 'LBRACE') return { keys, assign: NO_POS, val: this.#objectType() };
    const names = keys.map((key) => key.text).join(' ');
    throw posError(tok.pos, `key '${names}' expected start of object ('{') or assignment ('=')`);
  }

  #objectKey(): { keys: Token[]; error?: unknown } {
    const keys: Token[] = [];
    for (;;) {
      const tok = this.#scan();
      switch (tok.type) {
        case 'EOF':
          return { keys, error: EOF_TOKEN };
        case 'ASSIGN':
          if (keys.length > 1)
            return { keys: [], error: posError(tok.pos, 'nested object expected: LBRACE got: ASSIGN') };
          if (keys.length === 0) return { keys, error: posError(tok.pos, 'no object keys found!') };
          return { keys };
        case 'LBRACE':
          return {
            keys,
            error: keys.length === 0 ? posError(tok.pos, 'expected: IDENT | STRING got: LBRACE') : undefined,
          };
        case 'IDENT':
        case 'STRING':
          keys.push(tok);
          break;
        case 'ILLEGAL':
          return { keys, error: posError(tok.pos, 'illegal character') };
        default:
          return {
            keys,
            error: posError(tok.pos, `expected: IDENT | STRING | ASSIGN | LBRACE got: ${tok.type}`),
          };
      }
    }
  }

  #value(): Node {
    const tok = this.#scan();
    if (LITERALS.has(tok.type)) return { kind: 'literal', tok };
    if (tok.type === 'LBRACE') return this.#objectType();
    if (tok.type === 'LBRACK') return this.#listType();
    if (tok.type === 'EOF') throw EOF_TOKEN;
    throw posError(tok.pos, `Unknown token: ${describe(tok)}`);
  }

  #objectType(): Node {
    const pos = this.#tok.pos;
    const items = this.objectList(true);
    const tok = this.#scan();
    if (tok.type !== 'RBRACE') throw posError(tok.pos, `object expected closing RBRACE got: ${tok.type}`);
    return { kind: 'object', items, pos };
  }

  #listType(): Node {
    const list: Node[] = [];
    const pos = this.#tok.pos;
    let needComma = false;
    for (;;) {
      const tok = this.#scan();
      if (needComma && tok.type !== 'COMMA' && tok.type !== 'RBRACK') {
        throw posError(tok.pos, `error parsing list, expected comma or list end, got: ${tok.type}`);
      }
      if (LITERALS.has(tok.type)) {
        list.push({ kind: 'literal', tok });
        needComma = true;
      } else if (tok.type === 'COMMA') {
        needComma = false;
      } else if (tok.type === 'LBRACE' || tok.type === 'LBRACK') {
        const [what, parse] =
          tok.type === 'LBRACE' ? ['object', () => this.#objectType()] : ['list', () => this.#listType()];
        try {
          list.push(parse());
        } catch (error) {
          throw posError(
            tok.pos,
            `error while trying to parse ${what} within list: ${(error as Error).message}`,
          );
        }
        needComma = tok.type === 'LBRACE';
      } else if (tok.type === 'RBRACK') {
        return { kind: 'list', items: list, pos };
      } else {
        throw posError(tok.pos, `unexpected token while parsing list: ${tok.type}`);
      }
    }
  }

  // --- JSON: hcl's json/parser, which tolerates trailing commas and ignores what follows the root.

  jsonRoot(): Item[] {
    const tok = this.#scan();
    if (tok.type === 'LBRACE') return this.#jsonObject().items;
    if (tok.type === 'EOF') throw EOF_TOKEN;
    throw new HclError(`Expected object, got unknown token: ${describe(tok)}`);
  }

  #jsonObject(): Extract<Node, { kind: 'object' }> {
    const items: Item[] = [];
    for (;;) {
      try {
        items.push(this.#jsonItem());
      } catch (error) {
        if (error === EOF_TOKEN) break;
        if (this.#tok.type !== 'RBRACE') throw error;
        break;
      }
      if (this.#scan().type !== 'COMMA') break;
    }
    return { kind: 'object', items, pos: NO_POS };
  }

  #jsonItem(): Item {
    const keys: Token[] = [];
    for (let tok = this.#scan(); tok.type !== 'COLON'; tok = this.#scan()) {
      if (tok.type === 'EOF') throw EOF_TOKEN;
      if (tok.type !== 'STRING')
        throw new HclError(tok.type === 'ILLEGAL' ? 'illegal' : `expected: STRING got: ${tok.type}`);
      keys.push({ ...tok, pos: NO_POS });
    }
    if (keys.length === 0) throw new HclError('expected: STRING got: COLON');
    return { keys, assign: this.#tok.pos, val: this.#jsonValue() };
  }

  #jsonValue(): Node {
    const tok = this.#scan();
    if (tok.type === 'NULL')
      return { kind: 'literal', tok: { ...tok, type: 'STRING', text: '', pos: NO_POS } };
    if (LITERALS.has(tok.type)) return { kind: 'literal', tok: { ...tok, pos: NO_POS } };
    if (tok.type === 'LBRACE') return this.#jsonObject();
    if (tok.type === 'LBRACK') return this.#jsonList();
    if (tok.type === 'EOF') throw EOF_TOKEN;
    throw new HclError(`Expected object value, got unknown token: ${describe(tok)}`);
  }

  #jsonList(): Node {
    const list: Node[] = [];
    for (;;) {
      const tok = this.#scan();
      if (tok.type === 'NUMBER' || tok.type === 'FLOAT' || tok.type === 'STRING') {
        list.push({ kind: 'literal', tok: { ...tok, pos: NO_POS } });
      } else if (tok.type === 'LBRACE') {
        list.push(this.#jsonObject());
      } else if (tok.type === 'RBRACK') {
        return { kind: 'list', items: list, pos: NO_POS };
      } else if (tok.type !== 'COMMA' && tok.type !== 'BOOL' && tok.type !== 'LBRACK') {
        // hcl drops booleans and nested lists inside JSON arrays without a word.
        throw new HclError(`unexpected token while parsing list: ${tok.type}`);
      }
    }
  }
}

/**
 * hcl's JSON flattening: `{"path": {"a": {...}}}` becomes the item `path "a" {...}`, whenever
 * every member of an object (or element of a list) is itself an object.
 */
function flatten(items: Item[]): Item[] {
  const out: Item[] = [];
  const frontier = [...items];
  for (let item = frontier.pop(); item; item = frontier.pop()) {
    const { val } = item;
    if (
      val.kind === 'object' &&
      val.items.length > 0 &&
      val.items.every((sub) => sub.val.kind === 'object')
    ) {
      for (const sub of val.items)
        frontier.push({ keys: [...item.keys, ...sub.keys], assign: item.assign, val: sub.val });
    } else if (val.kind === 'list' && val.items.length > 0 && val.items.every((el) => el.kind === 'object')) {
      for (const el of val.items) frontier.push({ ...item, val: el });
    } else {
      out.push(item);
    }
  }
  out.reverse();
  for (const item of out) flattenWithin(item.val);
  return out;
}

function flattenWithin(node: Node): void {
  if (node.kind === 'object') node.items = flatten(node.items);
  if (node.kind === 'list') for (const el of node.items) flattenWithin(el);
}
