/** The two ways rules are written; the locator looks for different tokens in each. */
export type RulesFormat = 'hcl' | 'json';

/**
 * Where a rule sits in its source. The HCL parser reports lines only for syntax errors, so the
 * line of a rule that parses but means nothing (an unknown resource, a bad level) is found again
 * in the text: the resource word, then its quoted label, then the attribute. `occurrence` counts
 * repeated blocks of one label (0 for the first). Undefined when the text is written in a way this
 * does not follow (the error then names the rule without a line).
 */
export function locateRule(
  source: string,
  format: RulesFormat,
  word: string,
  label?: string,
  attribute?: string,
  occurrence = 0,
): number | undefined {
  const lines = source.split('\n');
  const w = escapeRegExp(word);
  const l = label === undefined ? undefined : escapeRegExp(JSON.stringify(label));
  const head =
    format === 'hcl'
      ? new RegExp(`^\\s*${w}${l === undefined ? '\\b' : `\\s+${l}`}`)
      : new RegExp(`"${w}"\\s*:`);
  // In HCL each repeated block has its own header; in JSON they share the label, as a list.
  let at = indexFrom(lines, 0, (s) => head.test(s), format === 'hcl' ? occurrence : 0);
  if (at < 0) return undefined;
  if (format === 'json' && l !== undefined) {
    const labelRe = new RegExp(`${l}\\s*:`);
    const found = indexFrom(lines, at, (s, i) => labelRe.test(i === at ? s.slice(s.search(head) + 1) : s));
    if (found < 0) return undefined;
    at = found;
  }
  if (attribute !== undefined) {
    const a = escapeRegExp(attribute);
    const attrRe = format === 'hcl' ? new RegExp(`\\b${a}\\s*=`) : new RegExp(`"${a}"\\s*:`);
    const found = indexFrom(lines, at, (s) => attrRe.test(s), format === 'json' ? occurrence : 0);
    if (found >= 0) at = found;
  }
  return at + 1;
}

/** The index of the line, from `from` on, that is the (skip + 1)-th to pass `test`; -1 if none. */
function indexFrom(
  lines: readonly string[],
  from: number,
  test: (line: string, i: number) => boolean,
  skip = 0,
): number {
  let left = skip;
  for (let i = from; i < lines.length; i++) if (test(lines[i] ?? '', i) && left-- === 0) return i;
  return -1;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The 1-based line of a character offset. */
export function lineOf(source: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < source.length; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}
