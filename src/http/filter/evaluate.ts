import type { MatchNode, Node } from './ast.js';
import { filterError } from './errors.js';
import { MAX_PATTERNS, MAX_SUBJECT_LENGTH } from './limits.js';
import { compilePattern, type Pattern } from './regex.js';
import { type Found, isRecord, select } from './select.js';

export type Filter = (item: unknown) => boolean;

/** What the caller wants to hear about while a filter runs. */
export interface FilterHooks {
  /** Called once per compiled filter, the first time a pattern runs on a value cut to MAX_SUBJECT_LENGTH. */
  readonly onSubjectCut?: () => void;
}

/** What the patterns compiled so far for one filter add up to, against the caps in limits.ts. */
interface Patterns {
  count: number;
  instructions: number;
  /** Reports a cut subject, then forgets the hook so that one filter reports at most once. */
  cut: (() => void) | undefined;
}

/**
 * Turns a tree into a predicate. Regexes are compiled here, once per filter rather than per
 * item, so a bad pattern fails the whole compile rather than the first item it meets.
 * Recursion is bounded by the parser's nesting limit, and nothing below throws on any item.
 */
export function compileNode(node: Node, hooks: FilterHooks = {}): Filter {
  const patterns: Patterns = { count: 0, instructions: 0, cut: undefined };
  const { onSubjectCut } = hooks;
  if (onSubjectCut !== undefined) {
    patterns.cut = () => {
      patterns.cut = undefined;
      onSubjectCut();
    };
  }
  return compileWith(node, patterns);
}

function compileWith(node: Node, patterns: Patterns): Filter {
  switch (node.kind) {
    case 'and': {
      const operands = node.operands.map((operand) => compileWith(operand, patterns));
      return (item) => operands.every((operand) => operand(item));
    }
    case 'or': {
      const operands = node.operands.map((operand) => compileWith(operand, patterns));
      return (item) => operands.some((operand) => operand(item));
    }
    case 'not': {
      const operand = compileWith(node.operand, patterns);
      return (item) => !operand(item);
    }
    case 'match':
      return compileMatch(node, patterns);
  }
}

function compileMatch(node: MatchNode, patterns: Patterns): Filter {
  const path = node.selector.path;
  const raw = node.value?.raw ?? '';
  switch (node.operator) {
    case '==':
      return (item) => isEqual(select(item, path), raw);
    case '!=':
      return (item) => !isEqual(select(item, path), raw);
    case 'is empty':
      return (item) => isEmpty(select(item, path));
    case 'is not empty':
      return (item) => !isEmpty(select(item, path));
    case 'contains':
      return (item) => contains(select(item, path), raw);
    case 'not contains':
      return (item) => !contains(select(item, path), raw);
    case 'matches':
    case 'not matches': {
      const column = node.value?.column ?? node.selector.column;
      if (++patterns.count > MAX_PATTERNS) {
        throw filterError(
          `this is regular expression number ${patterns.count}; a filter may have ${MAX_PATTERNS}`,
          column,
          'pattern_count',
        );
      }
      const pattern = compilePattern(raw, column, patterns.instructions);
      patterns.instructions += pattern.instructions;
      const negate = node.operator === 'not matches';
      return (item) => matches(select(item, path), pattern, patterns) !== negate;
    }
  }
}

function isEqual(found: Found, raw: string): boolean {
  if (found.kind === 'missing') return false;
  if (found.kind === 'one') return equalsLiteral(found.value, raw);
  return found.values.some((value) => equalsLiteral(value, raw));
}

function isEmpty(found: Found): boolean {
  if (found.kind === 'missing') return true;
  if (found.kind === 'many') return found.values.length === 0;
  const value = found.value;
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return isRecord(value) && Object.keys(value).length === 0;
}

function contains(found: Found, raw: string): boolean {
  if (found.kind === 'missing') return false;
  if (found.kind === 'many') return found.values.some((value) => equalsLiteral(value, raw));
  const value = found.value;
  if (Array.isArray(value)) return value.some((element) => equalsLiteral(element, raw));
  if (typeof value === 'string') return value.includes(raw);
  return isRecord(value) && Object.hasOwn(value, raw);
}

function matches(found: Found, pattern: Pattern, patterns: Patterns): boolean {
  if (found.kind === 'missing') return false;
  const values = found.kind === 'one' ? [found.value] : found.values;
  return values.some((value) => {
    if (typeof value !== 'string') return false;
    if (value.length > MAX_SUBJECT_LENGTH) patterns.cut?.();
    return pattern.test(value);
  });
}

// Number syntax as strconv.ParseFloat takes it, minus the hex and "Inf" spellings nobody filters on.
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/**
 * bexpr reads the literal as the field's type (strconv.ParseBool, ParseInt...), so `80`,
 * `"80"` and `80.0` all equal the number 80. A literal that does not read as that type is
 * unequal rather than an error, because one odd item must not fail the whole listing.
 */
function equalsLiteral(value: unknown, raw: string): boolean {
  switch (typeof value) {
    case 'string':
      return value === raw;
    case 'number':
      return NUMBER.test(raw) && Number(raw) === value;
    case 'boolean':
      return value ? TRUE.has(raw) : FALSE.has(raw);
    default:
      return false;
  }
}
