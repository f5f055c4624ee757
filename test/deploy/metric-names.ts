/** Metric names: those an exposition offers, and those a rules file or dashboard refers to. */

/** Every series name a Prometheus text exposition can produce, from its `# TYPE` lines and samples. */
export function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const typed = /^# TYPE (\S+) (\S+)/.exec(line);
    if (typed) {
      const [, name = '', type] = typed;
      names.add(name);
      // A labelled metric with no child yet has only its TYPE line: its series names follow from the type.
      if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
      if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
      continue;
    }
    const sample = /^([A-Za-z_:][A-Za-z0-9_:]*)[{ ]/.exec(line);
    if (sample?.[1] !== undefined) names.add(sample[1]);
  }
  return names;
}

/** Every cairn metric name mentioned in a text (PromQL, YAML, dashboard JSON). */
export function referencedNames(text: string): Set<string> {
  return new Set([...text.matchAll(/\bcairn_[a-z0-9_]+/g)].map((m) => m[0]));
}

/** The referenced names the exposition does not offer. */
export function missingNames(referenced: ReadonlySet<string>, exported: ReadonlySet<string>): string[] {
  return [...referenced].filter((n) => !exported.has(n)).sort();
}
