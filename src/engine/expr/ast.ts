/** The expression AST and its error type; offsets are 0-based UTF-16 indexes into the source. */
import { MlopsError } from '../errors.ts';

export type Value = number | string | boolean | null;

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | '~=' | 'contains';

interface Span {
  /** First character of the node in the source. */
  pos: number;
  /** One past its last character. */
  end: number;
}

export type Expr =
  | (Span & { kind: 'literal'; value: Value })
  /** `name` is the dotted join of the segments: `params["train.lr"]` and `params.train.lr` both name `params.train.lr`. */
  | (Span & { kind: 'name'; name: string; segments: string[] })
  | (Span & { kind: 'unary'; op: 'not' | '-'; operand: Expr })
  | (Span & { kind: 'arith'; op: '+' | '-' | '*' | '/'; left: Expr; right: Expr; opPos: number })
  | (Span & { kind: 'logical'; op: 'and' | 'or'; left: Expr; right: Expr; opPos: number })
  | (Span & { kind: 'compare'; op: CompareOp; left: Expr; right: Expr; opPos: number; regex?: RegExp })
  | (Span & { kind: 'in'; negated: boolean; value: Expr; items: Expr[]; opPos: number });

/**
 * A syntax or type error in an expression: an MlopsError('usage') that also carries the
 * expression and the 1-based column, so a caller that read the expression from a file (a gate in
 * mlops.yaml) can rethrow it with its own file and line.
 */
export class ExpressionError extends MlopsError {
  readonly expression: string;
  /** 1-based. */
  readonly column: number;

  constructor(expression: string, pos: number, message: string, hint?: string) {
    super('usage', message, { hint: hint ?? caret(expression, pos) });
    this.name = 'ExpressionError';
    this.expression = expression;
    this.column = pos + 1;
  }
}

/** The expression with a marker where the problem is: `in: metrics.acc > ▸)`. */
function caret(expression: string, pos: number): string {
  const from = Math.max(0, pos - 60);
  const text = `${from > 0 ? '…' : ''}${expression.slice(from, pos)}▸${expression.slice(pos, pos + 60)}${pos + 60 < expression.length ? '…' : ''}`;
  return `in: ${text.replace(/\s+/g, ' ')}`;
}
