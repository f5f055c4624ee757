/** Relative links of a markdown page and the anchors its headings make, for the docs link check. */

export interface Link {
  readonly line: number;
  /** The path part, relative to the page ('' for a link within the page). */
  readonly path: string;
  readonly anchor: string | null;
}

/** Links to other files of the repository: not http(s), not mailto, outside code. */
export function relativeLinks(text: string): Link[] {
  const links: Link[] = [];
  let inFence = false;
  text.split('\n').forEach((raw, i) => {
    if (/^\s*(`{3,}|~{3,})/.test(raw)) inFence = !inFence;
    if (inFence) return;
    const line = raw.replace(/`[^`]*`/g, '');
    for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1] as string;
      if (/^[a-z]+:/i.test(target)) continue;
      const hash = target.indexOf('#');
      links.push({
        line: i + 1,
        path: hash < 0 ? target : target.slice(0, hash),
        anchor: hash < 0 ? null : target.slice(hash + 1),
      });
    }
  });
  return links;
}

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to '-'. */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  let inFence = false;
  for (const line of text.split('\n')) {
    if (/^\s*(`{3,}|~{3,})/.test(line)) inFence = !inFence;
    if (inFence) continue;
    const m = /^#{1,6}\s+(.*)$/.exec(line);
    if (!m) continue;
    const base = (m[1] as string)
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}
