import { filterError } from './errors.js';

/**
 * Consul compiles `matches` patterns with Go's RE2; here they run on JavaScript's
 * backtracking engine. The two agree on the common syntax, so this module only deals with
 * where they part: RE2 features JavaScript lacks or reads differently are refused (rather than
 * silently matching something else), and nested repetition such as `(a+)+`, which RE2 runs in
 * linear time but a backtracking engine can take exponential time on, is refused as well.
 */
export function compilePattern(pattern: string, column: number): RegExp {
  const fail = (problem: string): never => {
    throw filterError(`the regular expression ${JSON.stringify(pattern)} ${problem}`, column);
  };

  let body = pattern;
  let flags = '';
  // RE2 spells flags inline; JavaScript only has them outside the pattern.
  const inline = /^\(\?([A-Za-z]+)\)/.exec(body);
  if (inline) {
    for (const flag of inline[1]!) {
      if (flag !== 'i' && flag !== 'm' && flag !== 's')
        fail(`uses the flag "${flag}", which is not supported`);
      if (!flags.includes(flag)) flags += flag;
    }
    body = body.slice(inline[0].length);
  }
  body = body.replaceAll('(?P<', '(?<');

  const problem = scan(body);
  if (problem) fail(problem);
  try {
    return new RegExp(body, flags);
  } catch (error) {
    const reason =
      error instanceof Error
        ? error.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')
        : 'invalid';
    return fail(`is not valid: ${reason}`);
  }
}

interface Group {
  /** Whether something inside repeats: repeating the group too is what backtracks badly. */
  repeats: boolean;
}

const UNSUPPORTED_ESCAPES: Readonly<Record<string, string>> = {
  A: '\\A',
  z: '\\z',
  Q: '\\Q...\\E',
  E: '\\Q...\\E',
  C: '\\C',
  p: 'Unicode classes (\\p)',
  P: 'Unicode classes (\\P)',
  k: 'backreferences',
};

/** Walks the pattern once; returns why it is refused, or undefined. Syntax errors are left to RegExp. */
function scan(body: string): string | undefined {
  const groups: Group[] = [{ repeats: false }];
  // What a quantifier right here would apply to: a group (and whether it repeats inside), an atom, or nothing.
  let last: Group | 'atom' | undefined;
  let i = 0;
  while (i < body.length) {
    const ch = body[i]!;
    if (ch === '\\') {
      const next = body[i + 1] ?? '';
      if (/[1-9]/.test(next)) return 'uses a backreference, which is not supported';
      const unsupported = UNSUPPORTED_ESCAPES[next];
      if (unsupported) return `uses ${unsupported}, which is not supported`;
      i += 2;
      last = 'atom';
    } else if (ch === '[') {
      const end = classEnd(body, i);
      if (typeof end === 'string') return end;
      i = end;
      last = 'atom';
    } else if (ch === '(') {
      let opening = 1;
      if (body[i + 1] === '?') {
        const rest = body.slice(i + 2);
        if (/^(=|!|<=|<!)/.test(rest)) return 'uses a lookaround, which is not supported';
        const prefix = /^(:|<[A-Za-z_][A-Za-z0-9_]*>)/.exec(rest);
        if (!prefix)
          return 'uses inline flags inside the pattern; only a leading (?i), (?m) or (?s) is supported';
        opening += 1 + prefix[0].length;
      }
      groups.push({ repeats: false });
      last = undefined;
      i += opening;
    } else if (ch === ')') {
      const closed = groups.length > 1 ? groups.pop()! : { repeats: false };
      // Repetition inside a group still repeats inside whatever encloses the group.
      if (closed.repeats) groups[groups.length - 1]!.repeats = true;
      last = closed;
      i++;
    } else if (ch === '*' || ch === '+' || ch === '?' || ch === '{') {
      const quantifier = readQuantifier(body, i);
      if (!quantifier) {
        // A `{` that is not a quantifier is a literal, in RE2 and JavaScript alike.
        i++;
        last = 'atom';
        continue;
      }
      if (quantifier.repeats) {
        if (last !== undefined && last !== 'atom' && last.repeats) {
          return 'repeats a group that already repeats inside (like "(a+)+"), which can take exponential time';
        }
        groups[groups.length - 1]!.repeats = true;
      }
      i += quantifier.length;
      if (body[i] === '?') i++;
      last = undefined;
    } else {
      if (ch === '|') last = undefined;
      else last = 'atom';
      i++;
    }
  }
  return undefined;
}

/** Returns the index after the class that opens at `start`, or why it is refused. */
function classEnd(body: string, start: number): number | string {
  let i = start + 1;
  if (body[i] === '^') i++;
  while (i < body.length && body[i] !== ']') {
    if (body[i] === '\\') i += 2;
    else if (body[i] === '[' && body[i + 1] === ':')
      return 'uses a POSIX class like [[:alpha:]], which is not supported';
    else i++;
  }
  return i + 1;
}

function readQuantifier(body: string, at: number): { length: number; repeats: boolean } | undefined {
  const ch = body[at]!;
  if (ch === '*' || ch === '+') return { length: 1, repeats: true };
  if (ch === '?') return { length: 1, repeats: false };
  const braces = /^\{(\d+)(,(\d*))?\}/.exec(body.slice(at));
  if (!braces) return undefined;
  const max = braces[2] === undefined ? Number(braces[1]) : braces[3] === '' ? Infinity : Number(braces[3]);
  return { length: braces[0].length, repeats: max > 1 };
}
