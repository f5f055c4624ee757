import { stronger } from './precedence.js';
import type { AccessLevel } from './types.js';

/** One node per UTF-16 unit of a segment; a node holds the rules whose segment ends there. */
interface TreeNode {
  exact?: AccessLevel;
  prefix?: AccessLevel;
  readonly children: Map<number, TreeNode>;
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
  private readonly root: TreeNode = { children: new Map() };
  private size = 0;

  get empty(): boolean {
    return this.size === 0;
  }

  insert(segment: string, prefix: boolean, level: AccessLevel): void {
    let node = this.root;
    for (let i = 0; i < segment.length; i++) {
      const c = segment.charCodeAt(i);
      let next = node.children.get(c);
      if (next === undefined) {
        next = { children: new Map() };
        node.children.set(c, next);
      }
      node = next;
    }
    this.size++;
    if (prefix) node.prefix = stronger(node.prefix, level);
    else node.exact = stronger(node.exact, level);
  }

  /** The level of the rule that governs `segment`, or undefined when none matches. */
  lookup(segment: string): AccessLevel | undefined {
    let node: TreeNode | undefined = this.root;
    let best = node.prefix;
    for (let i = 0; i < segment.length; i++) {
      node = node.children.get(segment.charCodeAt(i));
      if (node === undefined) return best;
      if (node.prefix !== undefined) best = node.prefix;
    }
    return node.exact ?? best;
  }

  /** Every rule whose segment starts with `prefix` (itself included). */
  within(prefix: string): TreeRule[] {
    let node: TreeNode | undefined = this.root;
    for (let i = 0; i < prefix.length && node !== undefined; i++)
      node = node.children.get(prefix.charCodeAt(i));
    return node === undefined ? [] : collect(node, prefix);
  }

  /** Every rule, sorted by segment, exact before prefix. */
  rules(): TreeRule[] {
    return collect(this.root, '').sort((a, b) =>
      a.segment === b.segment ? Number(a.prefix) - Number(b.prefix) : a.segment < b.segment ? -1 : 1,
    );
  }
}

function collect(start: TreeNode, path: string): TreeRule[] {
  const out: TreeRule[] = [];
  // Iterative, so a very long segment cannot overflow the stack.
  const stack: [TreeNode, string][] = [[start, path]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [node, segment] = top;
    if (node.exact !== undefined) out.push({ segment, prefix: false, level: node.exact });
    if (node.prefix !== undefined) out.push({ segment, prefix: true, level: node.prefix });
    for (const [c, child] of node.children) stack.push([child, segment + String.fromCharCode(c)]);
  }
  return out;
}
