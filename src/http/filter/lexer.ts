import { filterError } from './errors.js';

export type TokenKind = 'word' | 'string' | 'number' | '==' | '!=' | '(' | ')' | '[' | ']' | '.' | 'end';

export interface Token {
  readonly kind: TokenKind;
  /** The decoded content for strings; the source text for everything else. */
  readonly text: string;
  /** 1-based, so it can be quoted to the user as is. */
  readonly column: number;
}

const WHITESPACE = new Set([' ', '\t', '\r', '\n']);
const WORD_START = /[A-Za-z_]/;
const WORD_PART = /[A-Za-z0-9_]/;
// After a dot the word is usually a map key (ServiceMeta.my-key, Meta.app/tier), and bexpr
// accepts these there; a leading digit lets `.0` index into a list.
const KEY_START = /[A-Za-z0-9_]/;
const KEY_PART = /[A-Za-z0-9_/-]/;
const DIGIT = /[0-9]/;

/** Go's single-character escapes, as strconv.Unquote (which bexpr uses) accepts them. */
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
};

/** Splits an expression into tokens; the last token is always `end`. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    const column = i + 1;
    if (WHITESPACE.has(ch)) {
      i++;
      continue;
    }
    const afterDot = tokens.length > 0 && tokens[tokens.length - 1]!.kind === '.';
    if (afterDot ? KEY_START.test(ch) : WORD_START.test(ch)) {
      const part = afterDot ? KEY_PART : WORD_PART;
      let end = i + 1;
      while (end < source.length && part.test(source[end]!)) end++;
      tokens.push({ kind: 'word', text: source.slice(i, end), column });
      i = end;
      continue;
    }
    if (DIGIT.test(ch) || (ch === '-' && DIGIT.test(source[i + 1] ?? ''))) {
      i = readNumber(source, i, tokens);
      continue;
    }
    if (ch === '"') {
      i = readQuoted(source, i, tokens);
      continue;
    }
    if (ch === '`') {
      const close = source.indexOf('`', i + 1);
      if (close < 0) throw filterError('the raw string starting here has no closing "`"', column);
      tokens.push({ kind: 'string', text: source.slice(i + 1, close), column });
      i = close + 1;
      continue;
    }
    const pair = source.slice(i, i + 2);
    if (pair === '==' || pair === '!=') {
      tokens.push({ kind: pair, text: pair, column });
      i += 2;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === '[' || ch === ']' || ch === '.') {
      tokens.push({ kind: ch, text: ch, column });
      i++;
      continue;
    }
    if (ch === '=') throw filterError('found a single "=" (use "==" to compare)', column);
    if (ch === '!') throw filterError('found a lone "!" (use "!=" or "not")', column);
    throw filterError(`found the unexpected character ${JSON.stringify(ch)}`, column);
  }
  tokens.push({ kind: 'end', text: '', column: source.length + 1 });
  return tokens;
}

/** Reads `-?digits(.digits)?` starting at `start`; returns the index after it. */
function readNumber(source: string, start: number, tokens: Token[]): number {
  let end = start + 1;
  while (end < source.length && DIGIT.test(source[end]!)) end++;
  if (source[end] === '.' && DIGIT.test(source[end + 1] ?? '')) {
    end += 2;
    while (end < source.length && DIGIT.test(source[end]!)) end++;
  }
  // `80abc` or `1.2.3` is neither a number nor a name: quoting it is the likely intent.
  const next = source[end];
  if (next !== undefined && (WORD_PART.test(next) || next === '.')) {
    let stop = end;
    while (stop < source.length && !WHITESPACE.has(source[stop]!) && source[stop] !== ')') stop++;
    throw filterError(
      `${JSON.stringify(source.slice(start, stop))} is not a valid number (put text in double quotes)`,
      start + 1,
    );
  }
  tokens.push({ kind: 'number', text: source.slice(start, end), column: start + 1 });
  return end;
}

/** Reads a double-quoted string with Go escapes starting at `start`; returns the index after it. */
function readQuoted(source: string, start: number, tokens: Token[]): number {
  let text = '';
  let i = start + 1;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === '"') {
      tokens.push({ kind: 'string', text, column: start + 1 });
      return i + 1;
    }
    if (ch !== '\\') {
      text += ch;
      i++;
      continue;
    }
    const [decoded, length] = readEscape(source, i);
    text += decoded;
    i += length;
  }
  throw filterError("the string starting here has no closing '\"'", start + 1);
}

/** Decodes the escape at `at` (which holds the backslash); returns the text and its source length. */
function readEscape(source: string, at: number): [string, number] {
  const kind = source[at + 1];
  if (kind === undefined) throw filterError('the string ends with a lone "\\"', at + 1);
  const simple = SIMPLE_ESCAPES[kind];
  if (simple !== undefined) return [simple, 2];
  const hexLength = kind === 'x' ? 2 : kind === 'u' ? 4 : kind === 'U' ? 8 : 0;
  if (hexLength > 0) {
    const digits = /^[0-9A-Fa-f]*/.exec(source.slice(at + 2, at + 2 + hexLength))![0];
    const code = digits.length === hexLength ? Number.parseInt(digits, 16) : -1;
    if (code < 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      throw filterError(`the escape "\\${kind}${digits}" is not a valid character code`, at + 1);
    }
    return [String.fromCodePoint(code), 2 + hexLength];
  }
  const octal = source.slice(at + 1, at + 4);
  if (/^[0-3][0-7]{2}$/.test(octal)) return [String.fromCharCode(Number.parseInt(octal, 8)), 4];
  // Regexes are the usual way to get here ("\d"): a raw string is what the user wants.
  throw filterError(
    `the escape "\\${kind}" is not valid in a double-quoted string (write "\\\\${kind}", or use a \`raw string\`)`,
    at + 1,
  );
}
