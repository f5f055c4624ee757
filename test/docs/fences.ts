/**
 * The fenced code blocks of a markdown file, sorted into what the docs test does with them.
 *
 * The fence's info string says it:
 *   ```sh / ```js                   run against the test's dev agent; must exit 0
 *   ```js background: TEXT          started, awaited until its output contains TEXT, left running
 *                                   while the file's later examples run, then stopped with SIGTERM
 *   ```sh norun: REASON             an example that cannot run here (a cluster of machines, a long
 *                                   benchmark, ...): counted, never run; the reason is required
 *   ```json / ```text / ```ini ...  data shown to the reader (messages, output, config files)
 * Anything else, a bare ``` included, is an error: the docs cannot hold an example nobody checks.
 *
 * Inside a runnable block, a comment `# -> TEXT` (sh) or `// -> TEXT` (js), possibly with words
 * before the arrow, is an expectation: TEXT must appear in the block's output, after the previous
 * expectation's match; `...` matches anything and runs of white space match any white space.
 */

export type Language = 'sh' | 'js';

// ts: fragments of the project's own code, shown to explain it (the code itself is tested).
export const DATA_LANGUAGES: readonly string[] = ['json', 'text', 'ini', 'haproxy', 'ts'];

interface FenceBase {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly body: string;
}

export interface RunFence extends FenceBase {
  readonly kind: 'run';
  readonly language: Language;
  /** For `background: TEXT`: the output that says the program is ready. */
  readonly readyText: string | null;
  readonly expectations: readonly string[];
}

export interface NoRunFence extends FenceBase {
  readonly kind: 'norun';
  readonly language: string;
  readonly reason: string;
}

export interface DataFence extends FenceBase {
  readonly kind: 'data';
  readonly language: string;
}

export interface BadFence extends FenceBase {
  readonly kind: 'bad';
  readonly problem: string;
}

export type Fence = RunFence | NoRunFence | DataFence | BadFence;

const HOW_TO_MARK =
  'use ```sh or ```js (run by test/docs), ```sh norun: <reason>, or a data language (' +
  DATA_LANGUAGES.join(', ') +
  ')';

/** Every fenced block of `text`, in order. `file` only labels them. */
export function parseFences(file: string, text: string): Fence[] {
  const lines = text.split('\n');
  const fences: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(lines[i] as string);
    if (!open) continue;
    const marker = open[2] as string;
    const info = (open[3] as string).trim();
    const body: string[] = [];
    let j = i + 1;
    const closes = (l: string) => l.trim().startsWith(marker) && l.trim().replace(/[`~]/g, '') === '';
    while (j < lines.length && !closes(lines[j] as string)) body.push(lines[j++] as string);
    fences.push(classify(file, i + 1, info, body.join('\n')));
    i = j;
  }
  return fences;
}

export function classify(file: string, line: number, info: string, body: string): Fence {
  const base = { file, line, body };
  const m = /^(\S*)\s*(.*)$/.exec(info) as RegExpExecArray;
  const language = m[1] as string;
  const rest = (m[2] as string).trim();
  if (language === '') return { ...base, kind: 'bad', problem: `a fence without a language: ${HOW_TO_MARK}` };
  if (DATA_LANGUAGES.includes(language)) {
    if (rest !== '') return { ...base, kind: 'bad', problem: `data fence with "${rest}": ${HOW_TO_MARK}` };
    return { ...base, kind: 'data', language };
  }
  if (language !== 'sh' && language !== 'js') {
    return { ...base, kind: 'bad', problem: `unknown fence language "${language}": ${HOW_TO_MARK}` };
  }
  if (rest.startsWith('norun')) {
    const reason = /^norun:\s*(\S.*)$/.exec(rest)?.[1];
    if (reason === undefined)
      return { ...base, kind: 'bad', problem: `"norun" needs a reason: norun: <why>` };
    return { ...base, kind: 'norun', language, reason };
  }
  let readyText: string | null = null;
  if (rest !== '') {
    const ready = /^background:\s*(\S.*)$/.exec(rest)?.[1];
    if (ready === undefined) {
      return { ...base, kind: 'bad', problem: `unknown fence attribute "${rest}": ${HOW_TO_MARK}` };
    }
    readyText = ready;
  }
  return { ...base, kind: 'run', language, readyText, expectations: expectationsOf(language, body) };
}

/**
 * The expectations of a block, in order: the text after `->` in a comment (`# ... -> TEXT` in sh,
 * `// ... -> TEXT` in js). Words before the arrow explain; the text after it is checked.
 */
export function expectationsOf(language: Language, body: string): string[] {
  const comment = language === 'sh' ? /(?:^|\s)#(.*)$/ : /(?:^|\s)\/\/(.*)$/;
  const found: string[] = [];
  for (const line of body.split('\n')) {
    const text = comment.exec(line)?.[1];
    const e = text === undefined ? undefined : /(?:^|\s)->\s+(\S.*)$/.exec(text)?.[1]?.trim();
    if (e) found.push(e);
  }
  return found;
}

/**
 * Checks that each expectation appears in `output`, in order. Returns null when they all do,
 * else the first one missing (with what was left to search).
 */
export function unmetExpectation(expectations: readonly string[], output: string): string | null {
  let from = 0;
  for (const e of expectations) {
    const re = expectationPattern(e);
    re.lastIndex = from;
    const m = re.exec(output);
    if (!m) return `expected ${JSON.stringify(e)} in the output after offset ${from}`;
    from = m.index + m[0].length;
  }
  return null;
}

export function expectationPattern(expectation: string): RegExp {
  const pieces = expectation.split(/\.\.\.|…/).map((p) =>
    p
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '')
      .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('\\s+'),
  );
  return new RegExp(pieces.filter((p) => p !== '').join('[\\s\\S]*?'), 'g');
}

/**
 * The example's text as it runs here: Consul's well-known ports (and the example service's 8080)
 * become the ports the test picked.
 */
export function rewritePorts(body: string, ports: ReadonlyMap<number, number>): string {
  return body.replace(/(?<![\d.])(\d{4})(?!\d)/g, (whole, p: string) => {
    const to = ports.get(Number(p));
    return to === undefined ? whole : String(to);
  });
}
