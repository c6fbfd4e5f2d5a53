/**
 * Evaluation. Semantics chosen for filters and gates over possibly-missing metrics:
 * - comparisons involving NaN are false (`!=` is true, as in IEEE 754);
 * - null (a value that exists but is empty) is equal only to null, and ordering comparisons,
 *   `contains` and `~=` with null are false rather than errors; arithmetic with null gives null;
 * - a number compared with a string, or ordering booleans, is an error naming both values;
 * - `and`/`or` short-circuit and use truthiness (false, null, 0, NaN and '' are false).
 */
import { MlopsError } from '../errors.ts';
import type { Expr, Value } from './ast.ts';
import { ExpressionError } from './ast.ts';
import { compileRegex, quote } from './parse.ts';

export type Resolver = (name: string) => Value | undefined;

export function truthy(v: Value): boolean {
  if (v === null || v === false || v === '') return false;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  return true;
}

export function formatValue(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (v === Infinity) return '+inf';
    if (v === -Infinity) return '-inf';
    return String(v);
  }
  return String(v);
}

function typeName(v: Value): string {
  return v === null ? 'null' : typeof v;
}

export class Evaluator {
  private readonly source: string;
  private readonly resolve: Resolver;
  private readonly regexCache = new Map<string, RegExp>();

  constructor(source: string, resolve: Resolver) {
    this.source = source;
    this.resolve = resolve;
  }

  private typeError(at: number, message: string): never {
    throw new ExpressionError(this.source, at, `${message} at column ${at + 1}`);
  }

  eval(e: Expr): Value {
    switch (e.kind) {
      case 'literal':
        return e.value;
      case 'name': {
        const v = this.resolve(e.name);
        if (v === undefined) {
          throw new MlopsError('not-found', `unknown name '${e.name}'`, { hint: `at column ${e.pos + 1} of: ${this.source}` });
        }
        return v;
      }
      case 'unary': {
        const v = this.eval(e.operand);
        if (e.op === 'not') return !truthy(v);
        if (v === null) return null;
        if (typeof v !== 'number') this.typeError(e.pos, `cannot negate ${typeName(v)} ${formatValue(v)}`);
        return -v;
      }
      case 'logical': {
        const l = truthy(this.eval(e.left));
        if (e.op === 'and') return l ? truthy(this.eval(e.right)) : false;
        return l ? true : truthy(this.eval(e.right));
      }
      case 'arith':
        return this.arith(e.op, this.eval(e.left), this.eval(e.right), e.opPos);
      case 'compare':
        return this.compare(e, this.eval(e.left), this.eval(e.right));
      case 'in': {
        const v = this.eval(e.value);
        let found = false;
        for (const item of e.items) {
          const w = this.eval(item);
          if (this.equal(v, w, e.opPos)) {
            found = true;
            break;
          }
        }
        return e.negated ? !found : found;
      }
    }
  }

  private arith(op: '+' | '-' | '*' | '/', l: Value, r: Value, at: number): Value {
    if (l === null || r === null) return null;
    if (op === '+' && typeof l === 'string' && typeof r === 'string') return l + r;
    if (typeof l !== 'number' || typeof r !== 'number') {
      this.typeError(at, `'${op}' needs numbers, got ${typeName(l)} ${formatValue(l)} and ${typeName(r)} ${formatValue(r)}`);
    }
    switch (op) {
      case '+': return l + r;
      case '-': return l - r;
      case '*': return l * r;
      case '/': return l / r;
    }
  }

  /** Equality as `==` means it; mixing numbers and strings is an error rather than silently false. */
  private equal(l: Value, r: Value, at: number): boolean {
    if (l === null || r === null) return l === r;
    if (typeof l !== typeof r) {
      if (typeof l === 'boolean' || typeof r === 'boolean') return false;
      this.typeError(at, `cannot compare ${typeName(l)} ${formatValue(l)} with ${typeName(r)} ${formatValue(r)}`);
    }
    return l === r;
  }

  private compare(e: Extract<Expr, { kind: 'compare' }>, l: Value, r: Value): boolean {
    const at = e.opPos;
    switch (e.op) {
      case '==':
        return this.equal(l, r, at);
      case '!=':
        return !this.equal(l, r, at);
      case 'contains':
        if (l === null || r === null) return false;
        if (typeof l !== 'string' || typeof r !== 'string') this.typeError(at, `'contains' needs strings, got ${typeName(l)} ${formatValue(l)} and ${typeName(r)} ${formatValue(r)}`);
        return l.includes(r);
      case '~=': {
        if (l === null || r === null) return false;
        if (typeof r !== 'string') this.typeError(at, `'~=' needs a regular expression string on the right, got ${typeName(r)} ${formatValue(r)}`);
        if (typeof l !== 'string') this.typeError(at, `'~=' matches strings, got ${typeName(l)} ${formatValue(l)}`);
        let re = e.regex ?? this.regexCache.get(r);
        if (!re) {
          re = compileRegex(r, this.source, e.right.pos);
          this.regexCache.set(r, re);
        }
        return re.test(l);
      }
      default: {
        if (l === null || r === null) return false;
        if (typeof l === 'boolean' || typeof r === 'boolean' || typeof l !== typeof r) {
          this.typeError(at, `cannot order ${typeName(l)} ${formatValue(l)} and ${typeName(r)} ${formatValue(r)} with '${e.op}'`);
        }
        switch (e.op) {
          case '<': return l < r;
          case '<=': return l <= r;
          case '>': return l > r;
          case '>=': return l >= r;
        }
      }
    }
  }
}
