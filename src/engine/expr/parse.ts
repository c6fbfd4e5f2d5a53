/**
 * Tokenizer and recursive-descent parser of the small expression language shared by experiment
 * filters, registry promotion gates and quality checks. Every node keeps its source offsets so
 * syntax and type errors can name a column.
 */
import type { CompareOp, Expr, Value } from './ast.ts';
import { ExpressionError } from './ast.ts';

type TokKind = 'num' | 'str' | 'name' | 'kw' | 'op' | 'eof';

interface Token {
  kind: TokKind;
  /** Operator or keyword text (keywords lowercased); the decoded string for `str`. */
  text: string;
  num?: number;
  /** For names: the segments, already unquoted. */
  segments?: string[];
  pos: number;
  end: number;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'contains', 'true', 'false', 'null']);
// Longest first, so `<=` wins over `<` and `!=` over `!`.
const OPERATORS = ['&&', '||', '==', '!=', '<=', '>=', '~=', '=', '<', '>', '!', '+', '-', '*', '/', '(', ')', '[', ']', ','];

const isStart = (c: string): boolean => /[\p{L}_$]/u.test(c);
const isPart = (c: string): boolean => /[\p{L}\p{N}_$]/u.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

function describeToken(t: Token): string {
  if (t.kind === 'eof') return 'end of expression';
  if (t.kind === 'str') return `string ${quote(t.text)}`;
  if (t.kind === 'num') return `number ${t.text}`;
  if (t.kind === 'name') return `name '${t.text}'`;
  return `'${t.text}'`;
}

export function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`;
}

class Lexer {
  private readonly src: string;
  private i = 0;

  constructor(src: string) {
    this.src = src;
  }

  private fail(message: string, pos: number, hint?: string): never {
    throw new ExpressionError(this.src, pos, message, hint);
  }

  all(): Token[] {
    const out: Token[] = [];
    for (;;) {
      const t = this.next();
      out.push(t);
      if (t.kind === 'eof') return out;
    }
  }

  private next(): Token {
    const s = this.src;
    while (this.i < s.length && /\s/.test(s[this.i]!)) this.i++;
    const pos = this.i;
    if (pos >= s.length) return { kind: 'eof', text: '', pos, end: pos };
    const c = s[pos]!;
    if (isDigit(c) || (c === '.' && isDigit(s[pos + 1]))) return this.number();
    if (c === '"' || c === "'") {
      const text = this.string();
      return { kind: 'str', text, pos, end: this.i };
    }
    if (isStart(c) || c === '`') return this.name();
    for (const op of OPERATORS) {
      if (s.startsWith(op, pos)) {
        this.i += op.length;
        return { kind: 'op', text: op, pos, end: this.i };
      }
    }
    return this.fail(`unexpected character '${c}' at column ${pos + 1}`, pos);
  }

  private number(): Token {
    const s = this.src;
    const pos = this.i;
    const m = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(s.slice(pos))!;
    this.i += m[0].length;
    if (this.i < s.length && isPart(s[this.i]!)) {
      this.fail(`malformed number '${s.slice(pos, this.i + 1)}' at column ${pos + 1}`, pos, 'put a space or an operator between a number and a name');
    }
    return { kind: 'num', text: m[0], num: Number(m[0]), pos, end: this.i };
  }

  /** A quoted string starting at the current position; returns the decoded text. */
  private string(): string {
    const s = this.src;
    const open = this.i;
    const q = s[open]!;
    let out = '';
    this.i++;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (c === q) {
        this.i++;
        return out;
      }
      if (c === '\\') {
        const e = s[this.i + 1];
        if (e === undefined) break;
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"', '`': '`' };
        if (e in simple) {
          out += simple[e];
          this.i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(this.i + 2, this.i + 6))) {
          out += String.fromCharCode(parseInt(s.slice(this.i + 2, this.i + 6), 16));
          this.i += 6;
        } else {
          // Regex sources are the common case for other escapes (`\d`, `\.`): keep them as written.
          out += c + e;
          this.i += 2;
        }
        continue;
      }
      out += c;
      this.i++;
    }
    return this.fail(`unterminated string starting at column ${open + 1}`, open, `close it with ${q}`);
  }

  /**
   * A dotted name. The first segment is an identifier; later segments may also start with a digit
   * and contain `-` between name characters (`metrics.val-loss`), and any segment may be written
   * `["odd.key"]`, `['val/loss']` or `` `odd key` `` right after the previous one.
   */
  private name(): Token {
    const s = this.src;
    const pos = this.i;
    const segments: string[] = [];
    let quoted = false;
    const segment = (first: boolean): void => {
      if (s[this.i] === '`') {
        const open = this.i;
        const close = s.indexOf('`', open + 1);
        if (close < 0) this.fail(`unterminated \`name\` starting at column ${open + 1}`, open, 'close it with `');
        segments.push(s.slice(open + 1, close));
        this.i = close + 1;
        quoted = true;
        return;
      }
      const start = this.i;
      if (first ? !isStart(s[this.i] ?? '') : !isPart(s[this.i] ?? '')) {
        this.fail(`expected a name after '.' at column ${this.i + 1}`, this.i);
      }
      while (this.i < s.length) {
        const c = s[this.i]!;
        if (isPart(c)) this.i++;
        else if (c === '-' && !first && isPart(s[this.i + 1] ?? '')) this.i++;
        else break;
      }
      segments.push(s.slice(start, this.i));
    };
    segment(true);
    for (;;) {
      if (s[this.i] === '.' && (isPart(s[this.i + 1] ?? '') || s[this.i + 1] === '`')) {
        this.i++;
        segment(false);
      } else if (s[this.i] === '[' && /^\[\s*['"]/.test(s.slice(this.i))) {
        this.i++;
        while (/\s/.test(s[this.i] ?? '')) this.i++;
        segments.push(this.string());
        while (/\s/.test(s[this.i] ?? '')) this.i++;
        if (s[this.i] !== ']') this.fail(`expected ']' at column ${this.i + 1}`, this.i, `write name["key"]`);
        this.i++;
        quoted = true;
      } else break;
    }
    const text = segments.join('.');
    if (segments.length === 1 && !quoted && KEYWORDS.has(text.toLowerCase())) {
      return { kind: 'kw', text: text.toLowerCase(), pos, end: this.i };
    }
    return { kind: 'name', text, segments, pos, end: this.i };
  }
}

class Parser {
  private readonly src: string;
  private readonly toks: Token[];
  private k = 0;

  constructor(src: string) {
    this.src = src;
    this.toks = new Lexer(src).all();
  }

  private get tok(): Token {
    return this.toks[this.k]!;
  }

  private fail(t: Token, expected?: string): never {
    const what = t.kind === 'eof' ? `unexpected end of expression at column ${t.pos + 1}` : `unexpected ${describeToken(t)} at column ${t.pos + 1}`;
    throw new ExpressionError(this.src, t.pos, expected ? `${what}, expected ${expected}` : what);
  }

  private isOp(...ops: string[]): boolean {
    return this.tok.kind === 'op' && ops.includes(this.tok.text);
  }

  private isKw(...kws: string[]): boolean {
    return this.tok.kind === 'kw' && kws.includes(this.tok.text);
  }

  private expectOp(op: string): Token {
    if (!this.isOp(op)) this.fail(this.tok, `'${op}'`);
    return this.toks[this.k++]!;
  }

  parse(): Expr {
    if (this.tok.kind === 'eof') throw new ExpressionError(this.src, 0, 'empty expression at column 1', 'write a condition such as metrics.accuracy >= 0.9');
    const e = this.or();
    const rest: Token = this.toks[this.k]!;
    if (rest.kind !== 'eof') this.fail(rest, 'an operator such as and, or, ==, <');
    return e;
  }

  private or(): Expr {
    let left = this.and();
    while (this.isKw('or') || this.isOp('||')) {
      const opTok = this.toks[this.k++]!;
      const right = this.and();
      left = { kind: 'logical', op: 'or', left, right, pos: left.pos, end: right.end, opPos: opTok.pos };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.isKw('and') || this.isOp('&&')) {
      const opTok = this.toks[this.k++]!;
      const right = this.not();
      left = { kind: 'logical', op: 'and', left, right, pos: left.pos, end: right.end, opPos: opTok.pos };
    }
    return left;
  }

  private not(): Expr {
    if (this.isKw('not') || this.isOp('!')) {
      const t = this.toks[this.k++]!;
      const operand = this.not();
      return { kind: 'unary', op: 'not', operand, pos: t.pos, end: operand.end };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const left = this.additive();
    const t = this.tok;
    let op: CompareOp | 'in' | 'not in' | undefined;
    if (t.kind === 'op' && ['==', '=', '!=', '<', '<=', '>', '>=', '~='].includes(t.text)) op = (t.text === '=' ? '==' : t.text) as CompareOp;
    else if (this.isKw('contains')) op = 'contains';
    else if (this.isKw('in')) op = 'in';
    else if (this.isKw('not') && this.toks[this.k + 1]?.kind === 'kw' && this.toks[this.k + 1]!.text === 'in') op = 'not in';
    if (!op) return left;
    this.k += op === 'not in' ? 2 : 1;
    let node: Expr;
    if (op === 'in' || op === 'not in') {
      const open = this.tok;
      if (!this.isOp('[')) this.fail(open, `'[' to start the list after '${op}'`);
      this.k++;
      const items: Expr[] = [];
      if (!this.isOp(']')) {
        for (;;) {
          items.push(this.additive());
          if (this.isOp(',')) {
            this.k++;
            if (this.isOp(']')) break; // trailing comma
            continue;
          }
          break;
        }
      }
      const close = this.expectOp(']');
      node = { kind: 'in', negated: op === 'not in', value: left, items, pos: left.pos, end: close.end, opPos: t.pos };
    } else {
      const right = this.additive();
      node = { kind: 'compare', op, left, right, pos: left.pos, end: right.end, opPos: t.pos };
      if (op === '~=' && right.kind === 'literal') {
        if (typeof right.value !== 'string') {
          throw new ExpressionError(this.src, right.pos, `'~=' needs a regular expression string on the right, at column ${right.pos + 1}`, `write ~= '^v\\d+'`);
        }
        node.regex = compileRegex(right.value, this.src, right.pos);
      }
    }
    const again = this.tok;
    if ((again.kind === 'op' && ['==', '=', '!=', '<', '<=', '>', '>=', '~='].includes(again.text)) || this.isKw('in', 'contains')) {
      throw new ExpressionError(this.src, again.pos, `comparisons cannot be chained: unexpected '${again.text}' at column ${again.pos + 1}`, 'join them with and: a < b and b < c');
    }
    return node;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    while (this.isOp('+', '-')) {
      const t = this.toks[this.k++]!;
      const right = this.multiplicative();
      left = { kind: 'arith', op: t.text as '+' | '-', left, right, pos: left.pos, end: right.end, opPos: t.pos };
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.unary();
    while (this.isOp('*', '/')) {
      const t = this.toks[this.k++]!;
      const right = this.unary();
      left = { kind: 'arith', op: t.text as '*' | '/', left, right, pos: left.pos, end: right.end, opPos: t.pos };
    }
    return left;
  }

  private unary(): Expr {
    if (this.isOp('-', '+')) {
      const t = this.toks[this.k++]!;
      const operand = this.unary();
      // Fold -<number> so formatting and explanations show the literal the user wrote.
      if (operand.kind === 'literal' && typeof operand.value === 'number') {
        return { kind: 'literal', value: t.text === '-' ? -operand.value : operand.value, pos: t.pos, end: operand.end };
      }
      return t.text === '-' ? { kind: 'unary', op: '-', operand, pos: t.pos, end: operand.end } : operand;
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.tok;
    if (t.kind === 'num') {
      this.k++;
      return { kind: 'literal', value: t.num!, pos: t.pos, end: t.end };
    }
    if (t.kind === 'str') {
      this.k++;
      return { kind: 'literal', value: t.text, pos: t.pos, end: t.end };
    }
    if (t.kind === 'kw' && (t.text === 'true' || t.text === 'false' || t.text === 'null')) {
      this.k++;
      const value: Value = t.text === 'null' ? null : t.text === 'true';
      return { kind: 'literal', value, pos: t.pos, end: t.end };
    }
    if (t.kind === 'name') {
      this.k++;
      return { kind: 'name', name: t.text, segments: t.segments!, pos: t.pos, end: t.end };
    }
    if (this.isOp('(')) {
      this.k++;
      const inner = this.or();
      const close = this.tok;
      if (!this.isOp(')')) this.fail(close, `')' to close the '(' at column ${t.pos + 1}`);
      this.k++;
      return inner;
    }
    return this.fail(t, 'a value, a name or (');
  }
}

/** JavaScript regexes, plus a leading `(?i)` (Python/RE2 habit) for case-insensitive matching. */
export function compileRegex(source: string, expression: string, pos: number): RegExp {
  const insensitive = source.startsWith('(?i)');
  try {
    return new RegExp(insensitive ? source.slice(4) : source, insensitive ? 'iu' : 'u');
  } catch (e) {
    throw new ExpressionError(expression, pos, `invalid regular expression at column ${pos + 1}: ${(e as Error).message}`);
  }
}

export function parse(source: string): Expr {
  return new Parser(source).parse();
}
