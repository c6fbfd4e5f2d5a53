/** Canonical text of an expression (minimal parentheses) and human explanations of failures. */
import { describeError } from '../errors.ts';
import type { Expr, Value } from './ast.ts';
import type { Resolver } from './evaluate.ts';
import { Evaluator, formatValue, truthy } from './evaluate.ts';
import { quote } from './parse.ts';

const PLAIN_SEGMENT = /^[\p{L}_$][\p{L}\p{N}_$]*(?:-[\p{L}\p{N}_$]+)*$/u;
const PLAIN_LATER = /^[\p{L}\p{N}_$]+(?:-[\p{L}\p{N}_$]+)*$/u;
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'contains', 'true', 'false', 'null']);

function precedence(e: Expr): number {
  switch (e.kind) {
    case 'logical': return e.op === 'or' ? 1 : 2;
    case 'unary': return e.op === 'not' ? 3 : 7;
    case 'compare':
    case 'in': return 4;
    case 'arith': return e.op === '+' || e.op === '-' ? 5 : 6;
    default: return 8;
  }
}

export function formatName(segments: readonly string[]): string {
  let out = '';
  segments.forEach((seg, i) => {
    if (i === 0) {
      const plain = PLAIN_SEGMENT.test(seg) && !seg.includes('-') && !(segments.length === 1 && KEYWORDS.has(seg.toLowerCase()));
      out += plain || seg.includes('`') ? seg : `\`${seg}\``;
    } else out += PLAIN_LATER.test(seg) ? `.${seg}` : `[${quote(seg)}]`;
  });
  return out;
}

export function format(e: Expr): string {
  const wrap = (child: Expr, min: number): string => (precedence(child) < min ? `(${format(child)})` : format(child));
  switch (e.kind) {
    case 'literal': {
      const v = e.value;
      if (typeof v === 'string') return quote(v);
      if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? '(0 / 0)' : v > 0 ? '(1 / 0)' : '(-1 / 0)';
      return String(v);
    }
    case 'name':
      return formatName(e.segments);
    case 'unary':
      return e.op === 'not' ? `not ${wrap(e.operand, 3)}` : `-${wrap(e.operand, 7)}`;
    case 'logical': {
      const p = precedence(e);
      return `${wrap(e.left, p)} ${e.op} ${wrap(e.right, p + 1)}`;
    }
    case 'arith': {
      const p = precedence(e);
      return `${wrap(e.left, p)} ${e.op} ${wrap(e.right, p + 1)}`;
    }
    case 'compare':
      return `${wrap(e.left, 5)} ${e.op} ${wrap(e.right, 5)}`;
    case 'in':
      return `${wrap(e.value, 5)} ${e.negated ? 'not in' : 'in'} [${e.items.map((i) => format(i)).join(', ')}]`;
  }
}

/** `metrics.acc = 0.87` for a name, the formatted text plus its value for anything computed. */
function describeOperand(ev: Evaluator, e: Expr): string {
  if (e.kind === 'literal') return formatValue(e.value);
  const v = safe(ev, e);
  const shown = typeof v === 'string' && v.length > 80 ? `${formatValue(v.slice(0, 77))}…` : typeof v === 'string' ? formatValue(v) : v instanceof Error ? v.message : formatValue(v);
  return `${format(e)} = ${shown}`;
}

function safe(ev: Evaluator, e: Expr): Value | Error {
  try {
    return ev.eval(e);
  } catch (err) {
    return new Error(describeError(err).split(' — ')[0]);
  }
}

/** The right side as the gate would read it: literal as written, otherwise text and value. */
function describeTarget(ev: Evaluator, e: Expr): string {
  if (e.kind === 'literal') return formatValue(e.value);
  const v = safe(ev, e);
  return `${format(e)} (${v instanceof Error ? v.message : formatValue(v)})`;
}

/**
 * Why an expression is false (or that it holds), in the words of a failed gate:
 * `metrics.accuracy = 0.87, needs >= 0.9`. Never throws: an unknown name or a type error is
 * reported as text.
 */
export function explain(e: Expr, ev: Evaluator): string {
  const v = safe(ev, e);
  if (v instanceof Error) return v.message;
  if (truthy(v)) return `holds: ${valuesOf(e, ev) || format(e)}`;
  return whyFalse(e, ev);
}

function whyFalse(e: Expr, ev: Evaluator): string {
  switch (e.kind) {
    case 'compare': {
      const l = safe(ev, e.left);
      if (l instanceof Error) return l.message;
      if (l === null && e.left.kind === 'name') return `${format(e.left)} has no value, needs ${e.op} ${describeTarget(ev, e.right)}`;
      return `${describeOperand(ev, e.left)}, needs ${e.op} ${describeTarget(ev, e.right)}`;
    }
    case 'in':
      return `${describeOperand(ev, e.value)}, needs ${e.negated ? 'not in' : 'in'} [${e.items.map((i) => format(i)).join(', ')}]`;
    case 'logical': {
      if (e.op === 'and') {
        const parts = [e.left, e.right].flatMap((c) => flatten(c, 'and')).filter((c) => !truthyOrError(ev, c));
        return parts.map((c) => whyFalse(c, ev)).join('; ');
      }
      const parts = flatten(e, 'or');
      return `none holds: ${parts.map((c) => whyFalse(c, ev)).join('; or ')}`;
    }
    case 'unary':
      if (e.op === 'not') return `${format(e.operand)} holds${valuesOf(e.operand, ev) ? ` (${valuesOf(e.operand, ev)})` : ''}, needs it not to`;
      return `${describeOperand(ev, e)}, needs a true value`;
    case 'name':
      return `${describeOperand(ev, e)}, needs a true value`;
    default:
      return `${describeOperand(ev, e)}, needs a true value`;
  }
}

function truthyOrError(ev: Evaluator, e: Expr): boolean {
  const v = safe(ev, e);
  return !(v instanceof Error) && truthy(v);
}

function flatten(e: Expr, op: 'and' | 'or'): Expr[] {
  return e.kind === 'logical' && e.op === op ? [...flatten(e.left, op), ...flatten(e.right, op)] : [e];
}

/** `metrics.a = 1, params.b = 'x'` for every distinct name in `e`. */
function valuesOf(e: Expr, ev: Evaluator): string {
  const seen = new Map<string, Expr>();
  const walk = (x: Expr): void => {
    if (x.kind === 'name') {
      if (!seen.has(x.name)) seen.set(x.name, x);
    } else if (x.kind === 'unary') walk(x.operand);
    else if (x.kind === 'in') {
      walk(x.value);
      x.items.forEach(walk);
    } else if (x.kind !== 'literal') {
      walk(x.left);
      walk(x.right);
    }
  };
  walk(e);
  return [...seen.values()].map((n) => describeOperand(ev, n)).join(', ');
}

export type { Resolver };
