import type { MatchNode, MatchOperator, Node, Selector, Value } from './ast.js';
import { FilterError, filterError } from './errors.js';
import { type Token, tokenize } from './lexer.js';
import { MAX_EXPRESSION_LENGTH, MAX_NESTING } from './limits.js';

/** Words that join or negate matches: they can never be a selector or a bare value. */
const CONNECTIVES = new Set(['and', 'or', 'not']);
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'contains', 'matches', 'is', 'empty']);
const OPERATOR_LIST = '"==", "!=", "is empty", "is not empty", "contains", "matches" or "in"';

/** Parses a filter expression into its syntax tree; throws FilterError when it is malformed. */
export function parseFilter(expression: string): Node {
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    throw new FilterError(
      `the expression is ${expression.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}`,
      MAX_EXPRESSION_LENGTH + 1,
      'expression_length',
    );
  }
  if (expression.trim() === '') throw new FilterError('the expression is empty', 1);
  return new Parser(tokenize(expression)).parseAll();
}

/** Quotes a token for a message the way the user would recognise it. */
function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the expression';
    case 'string':
      return `the string ${JSON.stringify(token.text)}`;
    case 'word': {
      const lower = token.text.toLowerCase();
      // Keywords are case-sensitive in bexpr; `AND` is a common slip worth pointing at.
      const hint = lower !== token.text && KEYWORDS.has(lower) ? ` (keywords are lowercase: "${lower}")` : '';
      return `"${token.text}"${hint}`;
    }
    default:
      return `"${token.text}"`;
  }
}

class Parser {
  private index = 0;
  private depth = 0;
  /** Whether the selector read last used `[ ]`, which a bare-word value cannot hold. */
  private lastSelectorIndexed = false;

  constructor(private readonly tokens: readonly Token[]) {}

  parseAll(): Node {
    const node = this.parseOr();
    const next = this.peek();
    if (next.kind === ')') throw filterError('found a ")" that closes no "("', next.column);
    if (next.kind !== 'end') {
      throw filterError(
        `expected "and", "or" or the end of the expression but found ${describe(next)}`,
        next.column,
      );
    }
    return node;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private isWord(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'word' && token.text === text;
  }

  private parseOr(): Node {
    const operands = [this.parseAnd()];
    while (this.isWord('or')) {
      this.next();
      operands.push(this.parseAnd());
    }
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands };
  }

  private parseAnd(): Node {
    const operands = [this.parseUnary()];
    while (this.isWord('and')) {
      this.next();
      operands.push(this.parseUnary());
    }
    return operands.length === 1 ? operands[0]! : { kind: 'and', operands };
  }

  private parseUnary(): Node {
    const token = this.peek();
    if (this.isWord('not')) {
      this.enter(token);
      this.next();
      const operand = this.parseUnary();
      this.depth--;
      return { kind: 'not', operand };
    }
    if (token.kind === '(') {
      this.enter(token);
      this.next();
      const inner = this.parseOr();
      const close = this.peek();
      if (close.kind !== ')') {
        throw filterError(
          `expected ")" to close the "(" from column ${token.column} but found ${describe(close)}`,
          close.column,
        );
      }
      this.next();
      this.depth--;
      return inner;
    }
    return this.parseMatch();
  }

  private enter(token: Token): void {
    if (++this.depth > MAX_NESTING) {
      throw filterError(
        `"${token.text}" nests deeper than the limit of ${MAX_NESTING} levels`,
        token.column,
        'nesting',
      );
    }
  }

  private parseMatch(): MatchNode {
    const first = this.peek();
    if (first.kind === 'string' || first.kind === 'number') {
      return this.parseValueFirst(this.parseValue('at the start of a match'));
    }
    if (first.kind !== 'word' || CONNECTIVES.has(first.text)) {
      throw filterError(`expected a selector or a value but found ${describe(first)}`, first.column);
    }
    const selector = this.parseSelector();
    if (this.isWord('in') || (this.isWord('not') && this.isWord('in', 1))) {
      // `true in Tags` or `v2 in Tags`: what looked like a selector is a bare-word value.
      return this.parseValueFirst(this.selectorAsValue(selector, first));
    }
    return this.parseOperatorAfter(selector);
  }

  /** `value [not] in selector`; the value has been read. */
  private parseValueFirst(value: Value): MatchNode {
    let negated = false;
    if (this.isWord('not')) {
      this.next();
      negated = true;
    }
    const op = this.peek();
    if (!(op.kind === 'word' && op.text === 'in')) {
      throw filterError(
        `expected "in" or "not in" after the value ${JSON.stringify(value.raw)} but found ${describe(op)}`,
        op.column,
      );
    }
    this.next();
    const start = this.peek();
    if (start.kind !== 'word' || CONNECTIVES.has(start.text)) {
      throw filterError(
        `expected a selector after "${negated ? 'not in' : 'in'}" but found ${describe(start)}`,
        start.column,
      );
    }
    return {
      kind: 'match',
      operator: negated ? 'not contains' : 'contains',
      selector: this.parseSelector(),
      value,
    };
  }

  private parseOperatorAfter(selector: Selector): MatchNode {
    const op = this.peek();
    const name = JSON.stringify(selector.path.join('.'));
    if (op.kind === '==' || op.kind === '!=') {
      this.next();
      return { kind: 'match', operator: op.kind, selector, value: this.parseValue(`after "${op.kind}"`) };
    }
    if (this.isWord('is')) {
      this.next();
      let operator: MatchOperator = 'is empty';
      if (this.isWord('not')) {
        this.next();
        operator = 'is not empty';
      }
      const empty = this.peek();
      if (!this.isWord('empty')) {
        throw filterError(
          `expected "empty" after "${operator.slice(0, -6)}" but found ${describe(empty)}`,
          empty.column,
        );
      }
      this.next();
      return { kind: 'match', operator, selector };
    }
    let negated = false;
    if (this.isWord('not')) {
      this.next();
      negated = true;
    }
    const verb = this.peek();
    if (verb.kind === 'word' && (verb.text === 'contains' || verb.text === 'matches')) {
      this.next();
      const operator: MatchOperator = negated ? `not ${verb.text}` : verb.text;
      return { kind: 'match', operator, selector, value: this.parseValue(`after "${operator}"`) };
    }
    const expected = negated
      ? `"contains", "matches" or "in" after "${selector.path.join('.')} not"`
      : `an operator (${OPERATOR_LIST}) after the selector ${name}`;
    throw filterError(`expected ${expected} but found ${describe(verb)}`, verb.column);
  }

  /** selector := word { "." word | "[" string "]" } */
  private parseSelector(): Selector {
    const first = this.next();
    const path = [first.text];
    this.lastSelectorIndexed = false;
    for (;;) {
      const token = this.peek();
      if (token.kind === '.') {
        this.next();
        const key = this.peek();
        if (key.kind !== 'word') {
          throw filterError(`expected a field name after "." but found ${describe(key)}`, key.column);
        }
        this.next();
        path.push(key.text);
      } else if (token.kind === '[') {
        this.next();
        const key = this.peek();
        if (key.kind !== 'string') {
          throw filterError(`expected a quoted key after "[" but found ${describe(key)}`, key.column);
        }
        this.next();
        const close = this.peek();
        if (close.kind !== ']') {
          throw filterError(
            `expected "]" after the key ${JSON.stringify(key.text)} but found ${describe(close)}`,
            close.column,
          );
        }
        this.next();
        path.push(key.text);
        this.lastSelectorIndexed = true;
      } else {
        return { path, column: first.column };
      }
    }
  }

  /** value := string | number | word { "." word } (true and false are words, as in bexpr) */
  private parseValue(where: string): Value {
    const token = this.peek();
    if (token.kind === 'string' || token.kind === 'number') {
      this.next();
      return { kind: token.kind, raw: token.text, column: token.column };
    }
    if (token.kind === 'word' && !CONNECTIVES.has(token.text)) {
      return this.selectorAsValue(this.parseSelector(), token);
    }
    const hint =
      token.kind === 'word' ? ` (quote it to compare with the word ${JSON.stringify(token.text)})` : '';
    throw filterError(`expected a value ${where} but found ${describe(token)}${hint}`, token.column);
  }

  /** bexpr reads bare values as selectors and uses their text; an index has no text form. */
  private selectorAsValue(selector: Selector, start: Token): Value {
    if (this.lastSelectorIndexed) {
      throw filterError('a bare value cannot contain "[ ]" (put the value in double quotes)', start.column);
    }
    return { kind: 'word', raw: selector.path.join('.'), column: start.column };
  }
}
