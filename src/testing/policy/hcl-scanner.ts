/*
 * A port of the behaviour (not the code) of hashicorp/hcl v1's scanners, `hcl/scanner` and
 * `json/scanner` on the 1.0.x-vault branch that Vault vendors. Positions follow Go's bookkeeping
 * exactly, oddities included (EOF advances the column on every read), because Vault puts them in
 * the 400 error text.
 */

export type TokType =
  | 'ILLEGAL'
  | 'EOF'
  | 'COMMENT'
  | 'IDENT'
  | 'NUMBER'
  | 'FLOAT'
  | 'BOOL'
  | 'STRING'
  | 'HEREDOC'
  | 'NULL'
  | 'LBRACK'
  | 'LBRACE'
  | 'COMMA'
  | 'PERIOD'
  | 'COLON'
  | 'RBRACK'
  | 'RBRACE'
  | 'ASSIGN'
  | 'ADD'
  | 'SUB';

/** Line 0 means "no position": the JSON parser drops positions from literals and keys. */
export interface Pos {
  line: number;
  col: number;
}

export interface Token {
  type: TokType;
  pos: Pos;
  text: string;
  json: boolean;
}

export const NO_POS: Pos = { line: 0, col: 0 };
const EOF = '';
const PUNCT: Record<string, TokType> = {
  '[': 'LBRACK',
  ']': 'RBRACK',
  '{': 'LBRACE',
  '}': 'RBRACE',
  ',': 'COMMA',
};

export function posString(pos: Pos): string {
  return pos.line > 0 ? `${pos.line}:${pos.col}` : '-';
}

const isDecimal = (ch: string) => ch >= '0' && ch <= '9';
const isLetter = (ch: string) =>
  (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch === '_' || (ch >= '\x80' && /\p{L}/u.test(ch));
const isDigit = (ch: string) => isDecimal(ch) || (ch >= '\x80' && /\p{Nd}/u.test(ch));
const digitVal = (ch: string) => (/^[0-9a-f]$/i.test(ch) ? Number.parseInt(ch, 16) : 16);

export class Scanner {
  /** The last error reported; Go's parsers keep only the last one and prefer it to their own. */
  error: string | undefined;
  #i = 0;
  #line = 1;
  #col = 0;
  #lastLineLen = 0;
  #lastCharLen = 0;
  #prev = { i: 0, line: 1, col: 0 };

  constructor(
    private readonly src: string,
    readonly json: boolean,
  ) {}

  scan(): Token {
    let ch = this.#next();
    while (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') ch = this.#next();
    const start = this.#i - this.#lastCharLen;
    const pos =
      this.#col > 0 ? { line: this.#line, col: this.#col } : { line: this.#line - 1, col: this.#lastLineLen };
    let type: TokType = 'ILLEGAL';
    if (isLetter(ch)) {
      const lit = this.#identifier();
      if (lit === 'true' || lit === 'false') type = 'BOOL';
      else if (!this.json) type = 'IDENT';
      else if (lit === 'null') type = 'NULL';
      else this.#err('illegal char');
    } else if (isDecimal(ch)) {
      type = this.#number(ch);
    } else if (ch === EOF) {
      type = 'EOF';
    } else if (ch === '"') {
      type = 'STRING';
      this.#string();
    } else if (ch in PUNCT) {
      type = PUNCT[ch]!;
    } else if (ch === '.') {
      type = 'PERIOD';
      if (isDecimal(this.#peek())) {
        type = 'FLOAT';
        this.#exponent(this.#mantissa(this.#peek()));
      }
    } else if (ch === '-' && isDecimal(this.#peek())) {
      type = this.#number(this.#next());
    } else if (this.json) {
      if (ch === ':') type = 'COLON';
      else this.#err(ch === '-' ? 'illegal char' : `illegal char: ${ch}`);
    } else if (ch === '#' || ch === '/') {
      type = 'COMMENT';
      this.#comment(ch);
    } else if (ch === '<') {
      type = 'HEREDOC';
      this.#heredoc();
    } else if (ch === '=' || ch === '+' || ch === '-') {
      type = ch === '=' ? 'ASSIGN' : ch === '+' ? 'ADD' : 'SUB';
    } else {
      this.#err('illegal char');
    }
    return { type, pos, text: this.src.slice(start, this.#i), json: this.json };
  }

  #next(): string {
    if (this.#i >= this.src.length) {
      this.#col++;
      this.#lastCharLen = 0;
      return EOF;
    }
    const ch = String.fromCodePoint(this.src.codePointAt(this.#i)!);
    this.#prev = { i: this.#i, line: this.#line, col: this.#col };
    this.#i += ch.length;
    this.#col++;
    this.#lastCharLen = ch.length;
    if (ch === '\n') {
      this.#line++;
      this.#lastLineLen = this.#col;
      this.#col = 0;
    }
    if (ch === '\0' && !this.json) {
      this.#err('unexpected null character (0x00)');
      return EOF;
    }
    return ch;
  }

  #unread(): void {
    this.#i = this.#prev.i;
    this.#line = this.#prev.line;
    this.#col = this.#prev.col;
  }

  #peek(): string {
    return this.#i < this.src.length ? String.fromCodePoint(this.src.codePointAt(this.#i)!) : EOF;
  }

  #err(msg: string): undefined {
    let line = 1;
    let col = 1;
    if (this.#col > 0) [line, col] = [this.#line, this.#col];
    else if (this.#lastLineLen > 0) [line, col] = [this.#line - 1, this.#lastLineLen];
    this.error = this.json ? `${line}:${col}: ${msg}` : `At ${line}:${col}: ${msg}`;
  }

  #identifier(): string {
    const start = this.#i - this.#lastCharLen;
    let ch = this.#next();
    while (isLetter(ch) || isDigit(ch) || ch === '-' || (ch === '.' && !this.json)) ch = this.#next();
    if (ch !== EOF) this.#unread();
    return this.src.slice(start, this.#i);
  }

  #number(first: string): TokType {
    let ch = first;
    const before = { i: this.#i, line: this.#line, col: this.#col };
    if (ch === '0' && !this.json) {
      ch = this.#next();
      if (ch === 'x' || ch === 'X') {
        ch = this.#next();
        let found = false;
        for (; digitVal(ch) < 16; ch = this.#next()) found = true;
        if (!found) this.#err('illegal hexadecimal number');
        if (ch !== EOF) this.#unread();
        return 'NUMBER';
      }
      let illegalOctal = false;
      while (isDecimal(ch)) {
        ch = this.#next();
        if (ch === '8' || ch === '9') illegalOctal = true;
      }
      if (ch === 'e' || ch === 'E' || ch === '.') return this.#fractionOrExponent(ch);
      if (illegalOctal) this.#err('illegal octal number');
    } else {
      this.#mantissa(ch);
      ch = this.#next();
      if (ch === 'e' || ch === 'E' || ch === '.') return this.#fractionOrExponent(ch);
    }
    if (ch !== EOF) this.#unread();
    if (this.json && first === '0' && (before.i !== this.#i || before.col !== this.#col)) {
      this.#err('numbers cannot start with 0');
    }
    return 'NUMBER';
  }

  #fractionOrExponent(ch: string): TokType {
    if (ch === '.') {
      const after = this.#mantissa(this.#peek());
      if (after === 'e' || after === 'E') this.#exponent(this.#next());
    } else {
      this.#exponent(ch);
    }
    return 'FLOAT';
  }

  #mantissa(first: string): string {
    let ch = first;
    let scanned = false;
    for (; isDecimal(ch); scanned = true) ch = this.#next();
    if (scanned && ch !== EOF) this.#unread();
    return ch;
  }

  #exponent(first: string): string {
    if (first !== 'e' && first !== 'E') return first;
    let ch = this.#next();
    if (ch === '-' || ch === '+') ch = this.#next();
    return this.#mantissa(ch);
  }

  #string(): undefined {
    let braces = 0;
    for (;;) {
      const ch = this.#next();
      if ((ch === '\n' && (braces === 0 || this.json)) || ch === EOF)
        return this.#err('literal not terminated');
      if (ch === '"' && (braces === 0 || this.json)) return;
      if (braces === 0 && ch === '$' && this.#peek() === '{') {
        braces++;
        this.#next();
      } else if (braces > 0 && ch === '{') braces++;
      if (braces > 0 && ch === '}') braces--;
      if (ch === '\\') this.#escape();
    }
  }

  #escape(): undefined {
    const ch = this.#next();
    if ('abfnrtv\\"'.includes(ch) && ch !== EOF) return;
    if (ch >= '0' && ch <= '7') return this.#digits(ch, 8, 3);
    const width = { x: 2, u: 4, U: 8 }[ch];
    if (width === undefined) return this.#err('illegal char escape');
    this.#digits(this.#next(), 16, width);
  }

  #digits(first: string, base: number, count: number): undefined {
    let ch = first;
    let n = count;
    while (n > 0 && digitVal(ch) < base) {
      ch = this.#next();
      if (ch === EOF && !this.json) break;
      n--;
    }
    if (n > 0) this.#err('illegal char escape');
    if (this.json || (n !== count && ch !== EOF)) this.#unread();
  }

  #comment(first: string): undefined {
    let ch = first;
    if (ch === '#' || this.#peek() !== '*') {
      if (ch === '/' && this.#peek() !== '/') return this.#err("expected '/' for comment");
      do ch = this.#next();
      while (ch !== '\n' && ch !== EOF);
      if (ch !== EOF) this.#unread();
      return;
    }
    this.#next();
    ch = this.#next();
    for (;;) {
      if (ch === EOF) return this.#err('comment not terminated');
      const previous = ch;
      ch = this.#next();
      if (previous === '*' && ch === '/') return;
    }
  }

  #heredoc(): undefined {
    if (this.#next() !== '<') return this.#err("heredoc expected second '<', didn't see it");
    const start = this.#i;
    let ch = this.#next();
    if (ch === '-') ch = this.#next();
    while (isLetter(ch) || isDigit(ch)) ch = this.#next();
    if (ch === EOF) return this.#err('heredoc not terminated');
    if (ch === '\r' && this.#peek() === '\n') ch = this.#next();
    if (ch !== '\n') return this.#err('invalid characters in heredoc anchor');
    const ident = this.src.slice(start, this.#i - this.#lastCharLen);
    if (ident === '' || ident === '-') return this.#err('zero-length heredoc anchor');
    const anchor = new RegExp(`^[ \\t\\n\\v\\f\\r]*${ident.replace(/^-/, '')}\\r*$`, 'u');
    let lineStart = this.#i;
    for (;;) {
      const c = this.#next();
      if (c === '\n') {
        const line = this.src.slice(lineStart, this.#i - this.#lastCharLen);
        if (line.length >= ident.length && anchor.test(line)) return;
        lineStart = this.#i;
      }
      if (c === EOF) return this.#err('heredoc not terminated');
    }
  }
}
