/**
 * How much work one `?filter=` may ask for. RE2 makes a regex linear in the text it reads,
 * but the constant is the size of the compiled program, and re2js builds its DFA states at a
 * few hundred nanoseconds per instruction per character in the worst case: the caps below
 * keep the product of pattern size and text length small enough that one request cannot
 * hold the event loop for long. docs/security.md explains each number.
 */

/** Longer expressions are refused before any work is done on them. */
export const MAX_EXPRESSION_LENGTH = 4096;

/** Parentheses and `not` both recurse in the parser and the evaluator; this keeps the stack small. */
export const MAX_NESTING = 64;

/** Characters in one `matches` pattern, checked before anything else looks at it. */
export const MAX_PATTERN_LENGTH = 1024;

/** `matches` and `not matches` operators in one filter: each one reads every candidate's text again. */
export const MAX_PATTERNS = 16;

/**
 * Instructions the compiled programs of one filter's patterns may hold together (a pattern
 * alone is first held to this on an estimate from its text, which can run up to twice high).
 * Enough for everyday patterns: a UUID or an IPv4 address is about 40, an alternation of
 * twenty service names about 220. Building a DFA state costs time in proportion to it, so a
 * hostile pattern's cost per character is too: under a cap of 512, one cold request over 50
 * values of 512 characters took 0.7-1.0 s in measurements; under this one, 0.2-0.3 s.
 */
export const MAX_PROGRAM_SIZE = 256;

/**
 * Characters of a value a pattern is run on: longer values are cut to this many first. Above
 * every text field cairn accepts at registration except long HTTP check outputs.
 */
export const MAX_SUBJECT_LENGTH = 4096;

/** Compiled patterns kept between requests. Each may hold a DFA cache of up to 8 MiB. */
export const PATTERN_CACHE_SIZE = 16;
