/** The syntax tree the parser produces and the evaluator consumes. */

/**
 * `contains` and `in` are one operator with the operands swapped, exactly as in bexpr,
 * so the tree keeps only the selector-first spelling.
 */
export type MatchOperator =
  | '=='
  | '!='
  | 'is empty'
  | 'is not empty'
  | 'contains'
  | 'not contains'
  | 'matches'
  | 'not matches';

/**
 * Literals stay as their source text, as in bexpr: what the text means (number, boolean,
 * string) depends on the type of the field it is compared with, which is only known per item.
 */
export interface Value {
  readonly kind: 'string' | 'number' | 'word';
  readonly raw: string;
  readonly column: number;
}

export interface Selector {
  /** Field names and map keys, outermost first. */
  readonly path: readonly string[];
  readonly column: number;
}

export interface MatchNode {
  readonly kind: 'match';
  readonly operator: MatchOperator;
  readonly selector: Selector;
  /** Absent only for the `is [not] empty` operators. */
  readonly value?: Value;
}

export interface NotNode {
  readonly kind: 'not';
  readonly operand: Node;
}

/** Chains are n-ary so a long `a and b and c ...` stays one level deep when evaluated. */
export interface LogicalNode {
  readonly kind: 'and' | 'or';
  readonly operands: readonly Node[];
}

export type Node = MatchNode | NotNode | LogicalNode;
