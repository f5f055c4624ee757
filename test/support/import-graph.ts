/**
 * Reads the import statements of TypeScript sources and checks them against
 * the module order of the design (test/architecture.test.ts). Pure: sources
 * come in as text, so the checker itself is tested on small synthetic graphs.
 */
import { posix } from 'node:path';

/** A source file by its path from the repository root ("src/state/machine.ts") and its text. */
export interface Source {
  readonly path: string;
  readonly text: string;
}

export interface Import {
  readonly from: string;
  /** The specifier as written. */
  readonly spec: string;
  /** For a relative specifier, the imported file ("src/raft/index.ts"); else null. */
  readonly target: string | null;
  readonly line: number;
}

/** A module is a directory directly under src/; its public face is its index.ts. */
export function moduleOf(path: string): string | null {
  const m = /^src\/([^/]+)\//.exec(path);
  return m ? (m[1] as string) : null;
}

/**
 * Blanks out comments (keeping newlines, so line numbers survive) while
 * leaving string literals alone: a comment may mention `Date` or an import,
 * but an import specifier is a string and must still be seen.
 */
export function stripComments(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      while (i < src.length && src[i] !== '\n') {
        out += ' ';
        i++;
      }
    } else if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      for (; i < stop; i++) out += src[i] === '\n' ? '\n' : ' ';
    } else if (c === "'" || c === '"' || c === '`') {
      out += c;
      i++;
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\\') {
          out += src[i];
          i++;
        }
        out += src[i] ?? '';
        i++;
      }
      out += src[i] ?? '';
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function lineAt(src: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (src[i] === '\n') line++;
  return line;
}

// `import x from '...'`, `import type {...} from '...'` (over several lines), `export ... from '...'`,
// `import '...'` and `import('...')`.
const IMPORT_RE =
  /\b(?:import|export)\b[^;'"`]*?\bfrom\s*(['"])([^'"]+)\1|\bimport\s*(['"])([^'"]+)\3|\bimport\s*\(\s*(['"])([^'"]+)\5/g;

/** Every import of one file, relative ones resolved to the .ts file they name. */
export function importsOf(source: Source): Import[] {
  const code = stripComments(source.text);
  const found: Import[] = [];
  for (const m of code.matchAll(IMPORT_RE)) {
    const spec = (m[2] ?? m[4] ?? m[6]) as string;
    const target = spec.startsWith('.')
      ? posix.normalize(posix.join(posix.dirname(source.path), spec)).replace(/\.js$/, '.ts')
      : null;
    found.push({ from: source.path, spec, target, line: lineAt(code, m.index + m[0].length) });
  }
  return found;
}

/** One row of the module order: a module imports only modules of a lower level (and, if given, only those). */
export interface Layer {
  readonly module: string;
  readonly level: number;
  readonly only?: readonly string[];
}

export type Rule = 'layer' | 'face' | 'cycle' | 'purity';

/** A rule broken. `key` names it stably ("layer src/a/x.ts -> src/b/index.ts") for the exception list. */
export interface Violation {
  readonly rule: Rule;
  readonly key: string;
  readonly message: string;
}

/** A known violation, kept (for now) with the reason it cannot simply be fixed. */
export interface Exception {
  readonly key: string;
  readonly reason: string;
}

/** Lower layers never import higher ones (nor their own level); a module missing from the table is a violation. */
export function layerViolations(imports: readonly Import[], layers: readonly Layer[]): Violation[] {
  const byName = new Map(layers.map((l) => [l.module, l]));
  const out: Violation[] = [];
  const unplaced = new Set<string>();
  for (const i of imports) {
    const from = moduleOf(i.from);
    const to = i.target ? moduleOf(i.target) : null;
    for (const m of [from, to]) {
      if (m !== null && !byName.has(m) && !unplaced.has(m)) {
        unplaced.add(m);
        out.push({
          rule: 'layer',
          key: `layer unplaced ${m}`,
          message: `src/${m} is not in the layer table: place it in the module order`,
        });
      }
    }
    if (from === null || to === null || from === to) continue;
    const a = byName.get(from);
    const b = byName.get(to);
    if (!a || !b) continue;
    if (b.level < a.level && (a.only === undefined || a.only.includes(to))) continue;
    out.push({
      rule: 'layer',
      key: `layer ${i.from} -> ${i.target}`,
      message: `${i.from}:${i.line}: ${from} (level ${a.level}) may not import ${to} (level ${b.level})`,
    });
  }
  return out;
}

/** From outside a module, only its index.ts is imported. */
export function faceViolations(imports: readonly Import[]): Violation[] {
  const out: Violation[] = [];
  for (const i of imports) {
    const from = moduleOf(i.from);
    const to = i.target ? moduleOf(i.target) : null;
    if (to === null || from === to || i.target === `src/${to}/index.ts`) continue;
    out.push({
      rule: 'face',
      key: `face ${i.from} -> ${i.target}`,
      message: `${i.from}:${i.line}: imports ${i.spec}, an inner file of src/${to}; import src/${to}/index.ts`,
    });
  }
  return out;
}

/** Cycles between modules (a cycle among one module's own files is its own business). */
export function cycleViolations(imports: readonly Import[]): Violation[] {
  const graph = new Map<string, Set<string>>();
  for (const i of imports) {
    const from = moduleOf(i.from);
    const to = i.target ? moduleOf(i.target) : null;
    if (from === null || to === null || from === to) continue;
    const s = graph.get(from) ?? new Set<string>();
    graph.set(from, s);
    s.add(to);
  }
  return stronglyConnected(graph)
    .filter((c) => c.length > 1)
    .map((c) => {
      const names = [...c].sort();
      return {
        rule: 'cycle' as const,
        key: `cycle ${names.join(' ')}`,
        message: `modules import each other in a cycle: ${names.join(', ')}`,
      };
    });
}

/** Tarjan's algorithm: the strongly connected components of a directed graph. */
export function stronglyConnected(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      out.push(component);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** A construct a pure file must not use: a clock, randomness, timers, the process, asynchrony. */
export interface Construct {
  readonly what: string;
  readonly re: RegExp;
}

/** Which files are pure, what they may not use, and what they may import. */
export interface PurityRule {
  readonly name: string;
  readonly files: (path: string) => boolean;
  readonly forbidden: readonly Construct[];
  /** Files or directories (ending in "/") of src they may import from, besides their own directory. */
  readonly mayImport: readonly string[];
  /** Packages and node builtins (as written, e.g. "node:buffer") they may import. */
  readonly mayImportPackages: readonly string[];
}

export function purityViolations(sources: readonly Source[], rules: readonly PurityRule[]): Violation[] {
  const out: Violation[] = [];
  for (const rule of rules) {
    for (const source of sources.filter((s) => rule.files(s.path))) {
      const found = (line: number, what: string) =>
        out.push({
          rule: 'purity',
          key: `purity ${source.path} ${what}`,
          message: `${source.path}:${line}: ${rule.name} is pure but ${what}`,
        });
      stripComments(source.text)
        .split('\n')
        .forEach((text, i) => {
          for (const c of rule.forbidden) if (c.re.test(text)) found(i + 1, `uses ${c.what}`);
        });
      const own = `${posix.dirname(source.path)}/`;
      for (const i of importsOf(source)) {
        if (i.target === null) {
          if (!rule.mayImportPackages.includes(i.spec)) found(i.line, `imports '${i.spec}'`);
        } else if (!i.target.startsWith(own) && !rule.mayImport.some((m) => i.target?.startsWith(m))) {
          found(i.line, `imports '${i.spec}'`);
        }
      }
    }
  }
  return out;
}

/**
 * The violations not excused, and the exceptions that no longer excuse anything (so the list of
 * exceptions only shrinks).
 */
export function judgeExceptions(
  violations: readonly Violation[],
  exceptions: readonly Exception[],
): { readonly unexcused: string[]; readonly stale: string[] } {
  const keys = new Set(exceptions.map((e) => e.key));
  const seen = new Set(violations.map((v) => v.key));
  return {
    unexcused: violations.filter((v) => !keys.has(v.key)).map((v) => v.message),
    stale: exceptions
      .filter((e) => !seen.has(e.key))
      .map((e) => `exception no longer needed, remove it: ${e.key}`),
  };
}
