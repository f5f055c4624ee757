import { RE2JS, RE2JSException, RE2JSSyntaxException } from 're2js';
import { type FilterLimit, filterError } from './errors.js';
import { MAX_PATTERN_LENGTH, MAX_PROGRAM_SIZE, MAX_SUBJECT_LENGTH, PATTERN_CACHE_SIZE } from './limits.js';
import { Lru } from './lru.js';
import { estimateProgramSize } from './program-size.js';

/**
 * A `matches` pattern compiled by re2js, a port of RE2: the engine behind Go's regexp, which
 * Consul's filter uses. Its matching time is linear in the text, whatever the pattern, so no
 * pattern can take exponential time the way `(b|b)*c` does in a backtracking engine, and Go
 * syntax (`(?i)`, `(?P<name>...)`, `\A`, `\z`, `\pL`, `[[:alpha:]]`) means what it means in Consul.
 */
export interface Pattern {
  readonly source: string;
  /** Size of the compiled program: the per-character cost of running it. */
  readonly instructions: number;
  /** Whether the pattern matches anywhere in `subject` (or in its first MAX_SUBJECT_LENGTH characters). */
  test(subject: string): boolean;
}

const cache = new Lru<string, Pattern>(PATTERN_CACHE_SIZE);

/**
 * Compiles `source`, refusing it if it is not valid RE2 or if its program would take the
 * filter's patterns past MAX_PROGRAM_SIZE instructions together, `used` being what earlier
 * patterns of the same filter hold. `column` is where the pattern sits, for the message.
 */
export function compilePattern(source: string, column: number, used = 0): Pattern {
  const fail = (problem: string, limit: FilterLimit): never => {
    throw filterError(`the regular expression ${JSON.stringify(source)} ${problem}`, column, limit);
  };
  if (source.length > MAX_PATTERN_LENGTH) {
    fail(`is ${source.length} characters long; the limit is ${MAX_PATTERN_LENGTH}`, 'pattern_length');
  }
  let pattern = cache.get(source);
  if (pattern === undefined) {
    pattern = compileNew(source, fail);
    cache.set(source, pattern);
  }
  if (used + pattern.instructions > MAX_PROGRAM_SIZE) {
    fail(
      `compiles to ${pattern.instructions} instructions, which takes this filter's regular expressions to ${used + pattern.instructions} together; the limit is ${MAX_PROGRAM_SIZE}`,
      'program_size',
    );
  }
  return pattern;
}

function compileNew(source: string, fail: (problem: string, limit: FilterLimit) => never): Pattern {
  // Checked before compiling: a large program is slow to compile as well as to run.
  const estimate = estimateProgramSize(source);
  if (estimate > MAX_PROGRAM_SIZE) {
    fail(
      `is too large: it would compile to about ${estimate} instructions; the limit is ${MAX_PROGRAM_SIZE} (large counted repetitions like ".{500}" are the usual cause)`,
      'program_size',
    );
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (error) {
    if (error instanceof RE2JSException)
      return fail(`is not valid: ${describe(error, source)}`, 'invalid_pattern');
    throw error;
  }
  return { source, instructions: re.programSize(), test: (subject) => re.test(cut(subject)) };
}

/** RE2's own wording, without its "error parsing regexp:" preamble or a repeat of the whole pattern. */
function describe(error: RE2JSException, source: string): string {
  if (error instanceof RE2JSSyntaxException) {
    return error.input === null || error.input === source
      ? error.error
      : `${error.error}: \`${error.input}\``;
  }
  return error.message;
}

/** The first MAX_SUBJECT_LENGTH characters, not splitting a surrogate pair. */
function cut(subject: string): string {
  if (subject.length <= MAX_SUBJECT_LENGTH) return subject;
  const last = subject.charCodeAt(MAX_SUBJECT_LENGTH - 1);
  return subject.slice(0, last >= 0xd800 && last <= 0xdbff ? MAX_SUBJECT_LENGTH - 1 : MAX_SUBJECT_LENGTH);
}
