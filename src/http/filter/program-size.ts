/**
 * An upper bound on the number of instructions RE2 compiles a pattern to, read from its text.
 *
 * Compiling costs time in proportion to that number (a 1,000-character run of `x{1000}`
 * compiles to 146,000 instructions and takes seconds), so the cap on it has to be checked
 * before the pattern is compiled. The bound leans high on purpose: every group counts as
 * capturing, every operator as an extra instruction, and a syntax error is left for the real
 * parser to report. test/http/filter/program-size.test.ts checks it against re2js's own count.
 */

interface Frame {
  /** Finished alternatives of this group, with one instruction for each `|`. */
  done: number;
  /** The alternative being read. */
  current: number;
  /** The last atom of `current`, which a following repetition operator applies to. */
  last: number;
}

/** Instructions every program has besides the pattern's own: fail, the match, and group 0. */
const OVERHEAD = 4;
/** RE2 refuses counts above 1000; clamping keeps the arithmetic finite on what it will refuse. */
const MAX_COUNT = 1001;
/** Nested counts multiply; held here so the sums stay finite numbers (never Infinity or NaN). */
const CEILING = 2 ** 40;
const COUNTED = /\{(\d+)(,(\d*))?\}/y;
const FLAGS_ONLY = /\(\?[A-Za-z-]*\)/y;

/** Returns the bound; one pass, no recursion, so any text of any nesting is safe to hand it. */
export function estimateProgramSize(pattern: string): number {
  const frames: Frame[] = [{ done: 0, current: 0, last: 0 }];
  let top = frames[0]!;
  // Replaces the last atom with one of `size` instructions (a repetition grows it).
  const grow = (size: number): void => {
    const capped = Math.min(size, CEILING);
    top.current += capped - top.last;
    top.last = capped;
  };
  const atom = (size: number): void => {
    top.current += size;
    top.last = size;
  };
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      if (pattern[i + 1] === 'Q') {
        // A quoted run is literal characters; count the whole run as the repeated atom.
        const end = pattern.indexOf('\\E', i + 2);
        const stopAt = end < 0 ? pattern.length : end;
        atom(stopAt - (i + 2));
        i = end < 0 ? pattern.length : end + 2;
      } else {
        atom(1);
        i = escapeEnd(pattern, i);
      }
    } else if (ch === '[') {
      atom(1);
      i = classEnd(pattern, i);
    } else if (ch === '(') {
      FLAGS_ONLY.lastIndex = i;
      const flags = FLAGS_ONLY.exec(pattern);
      if (flags) {
        // `(?i)` changes how what follows is read but is no atom: a repetition after it
        // applies to the atom before it, so `last` stays.
        i += flags[0].length;
      } else {
        // `(?:`, `(?P<name>` and the like: their marker characters count as atoms, harmlessly high.
        top = { done: 0, current: 0, last: 0 };
        frames.push(top);
        i++;
      }
    } else if (ch === ')' && frames.length > 1) {
      frames.pop();
      const size = top.done + top.current + 2;
      top = frames[frames.length - 1]!;
      atom(size);
      i++;
    } else if (ch === '|') {
      top.done += top.current + 1;
      top.current = 0;
      top.last = 0;
      i++;
    } else if (ch === '*' || ch === '+' || ch === '?') {
      grow(top.last + 2);
      i += pattern[i + 1] === '?' ? 2 : 1;
    } else if (ch === '{') {
      COUNTED.lastIndex = i;
      const counted = COUNTED.exec(pattern);
      if (counted) {
        const min = Math.min(Number(counted[1]), MAX_COUNT);
        const max =
          counted[2] === undefined
            ? min
            : counted[3] === ''
              ? min + 1
              : Math.min(Number(counted[3]), MAX_COUNT);
        grow(Math.max(min, max, 1) * (top.last + 1) + 2);
        i += counted[0].length;
        if (pattern[i] === '?') i++;
      } else {
        // Not a repetition: RE2 reads a `{` that starts no count as a literal.
        atom(1);
        i++;
      }
    } else {
      atom(1);
      i++;
    }
  }
  let total = 0;
  for (const frame of frames) total += frame.done + frame.current;
  return total + OVERHEAD;
}

/** Index after the escape starting at `at` (a backslash): `\pL`, `\p{Greek}`, `\x{263a}`, `\x41`, `\123`, `\d`. */
function escapeEnd(pattern: string, at: number): number {
  const kind = pattern[at + 1];
  if (kind === 'p' || kind === 'P' || kind === 'x') {
    if (pattern[at + 2] === '{') {
      const close = pattern.indexOf('}', at + 3);
      return close < 0 ? pattern.length : close + 1;
    }
    return at + (kind === 'x' ? 4 : 3);
  }
  if (kind !== undefined && kind >= '0' && kind <= '7') {
    let end = at + 2;
    while (end < at + 4 && pattern[end] !== undefined && pattern[end]! >= '0' && pattern[end]! <= '7') end++;
    return end;
  }
  return at + 2;
}

/** Index after the class opening at `at`; `[]a]` and `[^]a]` hold a literal `]`, `[[:alpha:]]` a named class. */
function classEnd(pattern: string, at: number): number {
  let i = at + 1;
  if (pattern[i] === '^') i++;
  if (pattern[i] === ']') i++;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === ']') return i + 1;
    if (ch === '\\') i = escapeEnd(pattern, i);
    else if (ch === '[' && pattern[i + 1] === ':') {
      const close = pattern.indexOf(':]', i + 2);
      i = close < 0 ? i + 1 : close + 2;
    } else i++;
  }
  return i;
}
