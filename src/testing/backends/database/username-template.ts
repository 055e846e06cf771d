import { createHash, randomUUID } from 'node:crypto';
import { base62 } from '../../core/ids';

/**
 * The subset of Go's text/template that Vault's `username_template` uses (sdk/helper/template):
 * actions holding pipelines of function calls, `.DisplayName` and `.RoleName`, string and number
 * literals, parentheses, `printf`, and Vault's functions (random, truncate, truncate_sha256,
 * uppercase, lowercase, replace, sha256, base64, decode_base64, hex, decode_hex, unix_time,
 * unix_time_millis, timestamp, uuid). `{{if}}`/`{{range}}` are not supported: a template using
 * them is refused at configuration time, as an unparsable one is in Vault.
 */

export interface UsernameMetadata {
  DisplayName: string;
  RoleName: string;
}

export class TemplateError extends Error {}

type Value = string | number | boolean;
type Node = { kind: 'text'; text: string } | { kind: 'action'; pipeline: Command[]; source: string };
type Command = Operand[];
type Operand =
  | { kind: 'field'; name: string }
  | { kind: 'literal'; value: Value }
  | { kind: 'ident'; name: string }
  | { kind: 'pipe'; pipeline: Command[] };

interface Context {
  data: UsernameMetadata;
  now: number;
}

interface Func {
  /** Argument types, `s` string, `i` int; the last argument of a pipe stage is the piped value. */
  args: string;
  variadic?: boolean;
  run(args: Value[], ctx: Context): Value;
}

const FUNCS: Record<string, Func> = {
  printf: { args: 's', variadic: true, run: ([format, ...rest]) => goSprintf(String(format), rest) },
  random: { args: 'i', run: ([n]) => base62(Number(n)) },
  truncate: {
    args: 'is',
    run: ([max, text]) => {
      const n = Number(max);
      if (n <= 0) throw new TemplateError(`max length must be > 0 but was ${n}`);
      return String(text).slice(0, n);
    },
  },
  truncate_sha256: {
    args: 'is',
    run: ([max, value]) => {
      const n = Number(max);
      const text = String(value);
      if (n <= 8) throw new TemplateError(`max length must be > 8 but was ${n}`);
      if (text.length <= n) return text;
      const cut = n - 8;
      return text.slice(0, cut) + sha256Hex(text.slice(cut)).slice(0, 8);
    },
  },
  uppercase: { args: 's', run: ([s]) => String(s).toUpperCase() },
  lowercase: { args: 's', run: ([s]) => String(s).toLowerCase() },
  replace: { args: 'sss', run: ([find, by, s]) => String(s).split(String(find)).join(String(by)) },
  sha256: { args: 's', run: ([s]) => sha256Hex(String(s)) },
  base64: { args: 's', run: ([s]) => Buffer.from(String(s)).toString('base64') },
  decode_base64: { args: 's', run: ([s]) => Buffer.from(String(s), 'base64').toString('utf8') },
  hex: { args: 's', run: ([s]) => Buffer.from(String(s)).toString('hex') },
  decode_hex: { args: 's', run: ([s]) => Buffer.from(String(s), 'hex').toString('utf8') },
  unix_time: { args: '', run: (_a, ctx) => String(Math.floor(ctx.now / 1000)) },
  unix_time_millis: { args: '', run: (_a, ctx) => String(Math.floor(ctx.now)) },
  timestamp: { args: 's', run: ([layout], ctx) => goTimeFormat(ctx.now, String(layout)) },
  uuid: { args: '', run: () => randomUUID() },
};

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A parsed template; `generate` runs it for one user. */
export class UsernameTemplate {
  readonly #nodes: Node[];

  private constructor(nodes: Node[]) {
    this.#nodes = nodes;
  }

  /** Parses a template, throwing a TemplateError worded as Vault's `unable to parse template: ...`. */
  static parse(source: string): UsernameTemplate {
    if (source === '') throw new TemplateError('missing template');
    try {
      return new UsernameTemplate(parseTemplate(source));
    } catch (error) {
      throw new TemplateError(`unable to parse template: template: template:1: ${(error as Error).message}`);
    }
  }

  generate(data: UsernameMetadata, now: number): string {
    const ctx: Context = { data, now };
    let out = '';
    for (const node of this.#nodes) {
      if (node.kind === 'text') {
        out += node.text;
        continue;
      }
      try {
        out += printValue(runPipeline(node.pipeline, ctx));
      } catch (error) {
        throw new TemplateError(
          `unable to apply template: template: template:1: executing "template" at <${node.source}>: ${(error as Error).message}`,
        );
      }
    }
    return out;
  }
}

function printValue(value: Value): string {
  return String(value);
}

function runPipeline(pipeline: Command[], ctx: Context): Value {
  let piped: Value | undefined;
  for (const command of pipeline) piped = runCommand(command, ctx, piped);
  return piped as Value;
}

function runCommand(command: Command, ctx: Context, piped: Value | undefined): Value {
  const [head, ...rest] = command;
  if (!head) throw new TemplateError('empty command');
  if (head.kind !== 'ident') {
    if (rest.length > 0 || piped !== undefined)
      throw new TemplateError(`can't give argument to non-function`);
    return evalOperand(head, ctx);
  }
  const fn = FUNCS[head.name];
  if (!fn) throw new TemplateError(`function "${head.name}" not defined`);
  const args = rest.map((operand) => evalOperand(operand, ctx));
  if (piped !== undefined) args.push(piped);
  const want = fn.args.length;
  if (fn.variadic ? args.length < want : args.length !== want) {
    throw new TemplateError(`wrong number of args for ${head.name}: want ${want} got ${args.length}`);
  }
  [...fn.args].forEach((type, i) => {
    const arg = args[i];
    if (type === 'i' && typeof arg !== 'number')
      throw new TemplateError(`error calling ${head.name}: wrong type for value; expected int; got string`);
    if (type === 's' && typeof arg !== 'string')
      throw new TemplateError(`error calling ${head.name}: wrong type for value; expected string; got int`);
  });
  try {
    return fn.run(args, ctx);
  } catch (error) {
    throw new TemplateError(`error calling ${head.name}: ${(error as Error).message}`);
  }
}

function evalOperand(operand: Operand, ctx: Context): Value {
  switch (operand.kind) {
    case 'literal':
      return operand.value;
    case 'field': {
      if (operand.name !== 'DisplayName' && operand.name !== 'RoleName')
        throw new TemplateError(`can't evaluate field ${operand.name} in type dbplugin.UsernameMetadata`);
      return ctx.data[operand.name];
    }
    case 'pipe':
      return runPipeline(operand.pipeline, ctx);
    case 'ident':
      return runCommand([operand], ctx, undefined);
  }
}

// --- parsing ---------------------------------------------------------------------------------

function parseTemplate(source: string): Node[] {
  const nodes: Node[] = [];
  let at = 0;
  while (at < source.length) {
    const open = source.indexOf('{{', at);
    if (open === -1) {
      nodes.push({ kind: 'text', text: source.slice(at) });
      break;
    }
    let text = source.slice(at, open);
    let start = open + 2;
    if (source[start] === '-' && /\s/.test(source[start + 1] ?? '')) {
      text = text.trimEnd();
      start += 1;
    }
    if (text) nodes.push({ kind: 'text', text });
    const close = findClose(source, start);
    if (close === -1) throw new Error('unclosed action');
    let end = close;
    let trimAfter = false;
    if (source[close - 1] === '-' && /\s/.test(source[close - 2] ?? '')) {
      end = close - 1;
      trimAfter = true;
    }
    const inner = source.slice(start, end).trim();
    if (inner.startsWith('/*') && inner.endsWith('*/')) {
      // A comment.
    } else {
      const tokens = tokenize(inner);
      const parser = new Parser(tokens);
      const pipeline = parser.pipeline();
      if (!parser.done()) throw new Error(`unexpected ${parser.peek()} in command`);
      nodes.push({ kind: 'action', pipeline, source: inner });
    }
    at = close + 2;
    if (trimAfter) while (at < source.length && /\s/.test(source[at]!)) at++;
  }
  return nodes;
}

/** The `}}` that ends an action, skipping quoted strings. */
function findClose(source: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < source.length; i++) {
    const c = source[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === '`') quote = c;
    else if (c === '}' && source[i + 1] === '}') return i;
  }
  return -1;
}

type Token = string;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === '|') {
      tokens.push(c);
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) throw new Error('unterminated quoted string');
      tokens.push(text.slice(i, j + 1));
      i = j + 1;
    } else if (c === '`') {
      const j = text.indexOf('`', i + 1);
      if (j === -1) throw new Error('unterminated raw quoted string');
      tokens.push(text.slice(i, j + 1));
      i = j + 1;
    } else {
      const match = /^[^\s()|"`]+/.exec(text.slice(i));
      tokens.push(match![0]);
      i += match![0].length;
    }
  }
  return tokens;
}

class Parser {
  #at = 0;
  constructor(private readonly tokens: Token[]) {}

  done(): boolean {
    return this.#at >= this.tokens.length;
  }

  peek(): Token | undefined {
    return this.tokens[this.#at];
  }

  pipeline(): Command[] {
    const commands: Command[] = [this.command()];
    while (this.peek() === '|') {
      this.#at++;
      commands.push(this.command());
    }
    return commands;
  }

  command(): Command {
    const operands: Operand[] = [];
    for (
      let token = this.peek();
      token !== undefined && token !== '|' && token !== ')';
      token = this.peek()
    ) {
      operands.push(this.operand());
    }
    if (operands.length === 0) throw new Error('missing value for command');
    return operands;
  }

  operand(): Operand {
    const token = this.tokens[this.#at++]!;
    if (token === '(') {
      const pipeline = this.pipeline();
      if (this.tokens[this.#at++] !== ')') throw new Error('unclosed left paren');
      return { kind: 'pipe', pipeline };
    }
    if (token.startsWith('"')) return { kind: 'literal', value: JSON.parse(token) as string };
    if (token.startsWith('`')) return { kind: 'literal', value: token.slice(1, -1) };
    if (/^-?\d+$/.test(token)) return { kind: 'literal', value: Number(token) };
    if (token === 'true' || token === 'false') return { kind: 'literal', value: token === 'true' };
    if (/^\.[A-Za-z_]\w*$/.test(token)) return { kind: 'field', name: token.slice(1) };
    if (/^[A-Za-z_]\w*$/.test(token)) {
      if (['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block'].includes(token))
        throw new Error(`unexpected keyword "${token}" (not supported by the mock's templates)`);
      if (!FUNCS[token]) throw new Error(`function "${token}" not defined`);
      return { kind: 'ident', name: token };
    }
    throw new Error(`bad character in command: ${JSON.stringify(token)}`);
  }
}

/** Go's fmt.Sprintf for the verbs a username template uses (%s %d %v %q %%). */
export function goSprintf(format: string, args: Value[]): string {
  let next = 0;
  let out = format.replace(/%([%sdvq])/g, (_m, verb: string) => {
    if (verb === '%') return '%';
    if (next >= args.length) return `%!${verb}(MISSING)`;
    const arg = args[next++]!;
    if (verb === 'q') return JSON.stringify(String(arg));
    if (verb === 'd' && typeof arg !== 'number') return `%!d(string=${arg})`;
    return String(arg);
  });
  if (next < args.length) {
    out += `%!(EXTRA ${args
      .slice(next)
      .map((a) => `${typeof a === 'number' ? 'int' : 'string'}=${a}`)
      .join(', ')})`;
  }
  return out;
}

/** Go's time.Format for the common layout elements, in UTC. */
export function goTimeFormat(epochMs: number, layout: string): string {
  const d = new Date(epochMs);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const months = [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ];
  const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  const table: [string, () => string][] = [
    ['January', () => months[d.getUTCMonth()]!],
    ['Monday', () => days[d.getUTCDay()]!],
    ['2006', () => pad(d.getUTCFullYear(), 4)],
    ['Z07:00', () => 'Z'],
    ['-07:00', () => '+00:00'],
    ['-0700', () => '+0000'],
    ['.000000000', () => `.${pad(d.getUTCMilliseconds(), 3)}000000`],
    ['.000000', () => `.${pad(d.getUTCMilliseconds(), 3)}000`],
    ['.000', () => `.${pad(d.getUTCMilliseconds(), 3)}`],
    ['Jan', () => months[d.getUTCMonth()]!.slice(0, 3)],
    ['Mon', () => days[d.getUTCDay()]!.slice(0, 3)],
    ['MST', () => 'UTC'],
    ['01', () => pad(d.getUTCMonth() + 1)],
    ['02', () => pad(d.getUTCDate())],
    ['15', () => pad(d.getUTCHours())],
    ['03', () => pad(d.getUTCHours() % 12 || 12)],
    ['04', () => pad(d.getUTCMinutes())],
    ['05', () => pad(d.getUTCSeconds())],
    ['PM', () => (d.getUTCHours() < 12 ? 'AM' : 'PM')],
    ['06', () => pad(d.getUTCFullYear() % 100)],
  ];
  let out = '';
  let i = 0;
  outer: while (i < layout.length) {
    for (const [token, render] of table) {
      if (layout.startsWith(token, i)) {
        out += render();
        i += token.length;
        continue outer;
      }
    }
    out += layout[i];
    i++;
  }
  return out;
}
