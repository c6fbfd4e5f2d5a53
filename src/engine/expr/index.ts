/**
 * The expression language shared by experiment filters (`mlops runs list --filter`), registry
 * promotion gates and quality checks:
 *
 *   metrics.accuracy >= 0.9 and params["train.lr"] < 1e-2 and status in ['finished']
 *
 * Literals: numbers (`1`, `.5`, `1e-3`), strings in single or double quotes, true/false/null.
 * Names: dotted identifiers; segments after the first may start with a digit and contain `-`
 * between name characters (`metrics.val-loss`; write `a - b` with spaces to subtract); odd keys
 * use brackets or backticks: `metrics['val/loss']`, `` params.`train.lr` `` — both resolve to the
 * dotted join (`metrics.val/loss`, `params.train.lr`).
 * Operators, loosest first: `or ||` · `and &&` · `not !` · `== (=) != < <= > >= ~= contains in [..] not in [..]`
 * · `+ -` · `* /` · unary `-`. Keywords are case-insensitive (AND works).
 */
import { MlopsError } from '../errors.ts';
import type { Expr, Value } from './ast.ts';
import { ExpressionError } from './ast.ts';
import { Evaluator, formatValue, truthy } from './evaluate.ts';
import type { Resolver } from './evaluate.ts';
import { explain, format, formatName } from './format.ts';
import { parse } from './parse.ts';

export type { Expr, Value, CompareOp } from './ast.ts';
export type { Resolver } from './evaluate.ts';
export { ExpressionError, truthy, formatValue, formatName };

// The evaluator reports columns against the original text; keep it beside each parsed tree.
const sources = new WeakMap<Expr, string>();

function sourceOf(expr: Expr): string {
  return sources.get(expr) ?? format(expr);
}

/** Parse; throws ExpressionError (an MlopsError 'usage') naming the column, e.g. "unexpected ')' at column 14". */
export function parseExpression(source: string): Expr {
  if (typeof source !== 'string') throw new MlopsError('usage', 'an expression must be a string');
  const expr = parse(source);
  sources.set(expr, source);
  return expr;
}

/**
 * Evaluate against `resolve`, which maps a dotted name to its value; `undefined` means the name
 * does not exist and throws MlopsError('not-found', "unknown name 'metrics.acc'"). Type errors
 * (a number compared with a string) throw ExpressionError with the column of the operator.
 */
export function evaluateExpression(expr: Expr, resolve: Resolver): Value {
  return new Evaluator(sourceOf(expr), resolve).eval(expr);
}

/** Whether the expression holds (truthiness of its value). */
export function testExpression(expr: Expr, resolve: Resolver): boolean {
  return truthy(evaluateExpression(expr, resolve));
}

/** Distinct dotted names the expression refers to, in order of first use. */
export function expressionNames(expr: Expr): string[] {
  const out = new Set<string>();
  const walk = (e: Expr): void => {
    switch (e.kind) {
      case 'name': out.add(e.name); break;
      case 'literal': break;
      case 'unary': walk(e.operand); break;
      case 'in': walk(e.value); e.items.forEach(walk); break;
      default: walk(e.left); walk(e.right);
    }
  };
  walk(expr);
  return [...out];
}

/**
 * Why the expression does not hold, for failed gates: `metrics.accuracy = 0.87, needs >= 0.9`;
 * clauses of `and` that failed are joined with `; `. When it holds: `holds: metrics.accuracy = 0.95`.
 * Never throws: unknown names and type errors come back as their message.
 */
export function explainExpression(expr: Expr, resolve: Resolver): string {
  return explain(expr, new Evaluator(sourceOf(expr), resolve));
}

/** Canonical text: keywords lowercase, single-quoted strings, minimal parentheses; parses back to the same tree. */
export function formatExpression(expr: Expr): string {
  return format(expr);
}
