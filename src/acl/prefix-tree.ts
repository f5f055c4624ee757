import { stronger } from './precedence.js';
import type { AccessLevel } from './types.js';

/**
 * A radix tree node: reached from its parent over `label` (one or more UTF-16 units), holding
 * the rules whose segment ends here. Children are keyed by the first unit of their label.
 */
interface TreeNode {
  label: string;
  exact?: AccessLevel;
  prefix?: AccessLevel;
  children: Map<number, TreeNode>;
}

/** A rule as the tree holds it, for listing. */
export interface TreeRule {
  readonly segment: string;
  readonly prefix: boolean;
  readonly level: AccessLevel;
}

/**
 * The rules of one resource. A lookup walks the segment once, remembering the last prefix rule
 * passed (the longest), and takes the exact rule if the walk ends on one: exact beats prefix,
 * the longest prefix wins. Rules merged into one node keep the stronger level.
 */
export class PrefixTree {
  private readonly root: TreeNode = { label: '', children: new Map() };

  insert(segment: string, prefix: boolean, level: AccessLevel): void {
    const node = this.nodeFor(segment);
    if (prefix) node.prefix = stronger(node.prefix, level);
    else node.exact = stronger(node.exact, level);
  }

  /** The level of the rule that governs `segment`, or undefined when none matches. */
  lookup(segment: string): AccessLevel | undefined {
    let node = this.root;
    let best = node.prefix;
    let i = 0;
    while (i < segment.length) {
      const child = node.children.get(segment.charCodeAt(i));
      if (child === undefined || !segment.startsWith(child.label, i)) return best;
      i += child.label.length;
      node = child;
      if (node.prefix !== undefined) best = node.prefix;
    }
    return node.exact ?? best;
  }

  /** Every rule whose segment starts with `prefix` (itself included). */
  within(prefix: string): TreeRule[] {
    let node = this.root;
    let path = '';
    let i = 0;
    while (i < prefix.length) {
      const child = node.children.get(prefix.charCodeAt(i));
      if (child === undefined) return [];
      const rest = prefix.slice(i);
      // The prefix ends inside this label: everything below it starts with the prefix.
      if (child.label.startsWith(rest)) return collect(child, path + child.label);
      if (!rest.startsWith(child.label)) return [];
      i += child.label.length;
      path += child.label;
      node = child;
    }
    return collect(node, path);
  }

  /** The node whose path is exactly `segment`, splitting an edge or adding a leaf as needed. */
  private nodeFor(segment: string): TreeNode {
    let node = this.root;
    let i = 0;
    while (i < segment.length) {
      const c = segment.charCodeAt(i);
      const child = node.children.get(c);
      if (child === undefined) {
        const leaf: TreeNode = { label: segment.slice(i), children: new Map() };
        node.children.set(c, leaf);
        return leaf;
      }
      const common = commonLength(child.label, segment, i);
      if (common < child.label.length) {
        // Split the edge: a new node for the shared part, the old child below it.
        const middle: TreeNode = { label: child.label.slice(0, common), children: new Map() };
        child.label = child.label.slice(common);
        middle.children.set(child.label.charCodeAt(0), child);
        node.children.set(c, middle);
        node = middle;
      } else node = child;
      i += common;
    }
    return node;
  }
}

/** How many units `label` shares with `segment` from `start`. */
function commonLength(label: string, segment: string, start: number): number {
  let n = 0;
  while (
    n < label.length &&
    start + n < segment.length &&
    label.charCodeAt(n) === segment.charCodeAt(start + n)
  )
    n++;
  return n;
}

function collect(start: TreeNode, path: string): TreeRule[] {
  const out: TreeRule[] = [];
  // Iterative, so a very long chain of nodes cannot overflow the stack.
  const stack: [TreeNode, string][] = [[start, path]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [node, segment] = top;
    if (node.exact !== undefined) out.push({ segment, prefix: false, level: node.exact });
    if (node.prefix !== undefined) out.push({ segment, prefix: true, level: node.prefix });
    for (const child of node.children.values()) stack.push([child, segment + child.label]);
  }
  return out;
}
