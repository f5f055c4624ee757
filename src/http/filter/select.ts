/**
 * What a selector finds in an item. `many` comes from passing through a list on the way
 * (Checks.Status): bexpr then looks at every element, and the operators ask "any of them?".
 */
export type Found =
  | { readonly kind: 'missing' }
  | { readonly kind: 'one'; readonly value: unknown }
  | { readonly kind: 'many'; readonly values: readonly unknown[] };

const MISSING: Found = { kind: 'missing' };
const INDEX = /^(0|[1-9][0-9]*)$/;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Follows `path` through `item`. Lists met along the way fan out into their elements, and
 * lists found at the end of a fanned-out path are flattened into the result, so the answer
 * is one flat list of leaves. Iterative, so deeply nested lists in an item cannot overflow the stack.
 */
export function select(item: unknown, path: readonly string[]): Found {
  let current: unknown[] = [item];
  let fannedOut = false;
  for (const key of path) {
    const next: unknown[] = [];
    const pending = current.reverse();
    while (pending.length > 0) {
      const value = pending.pop();
      if (Array.isArray(value)) {
        // A numeric key picks one element (Checks.0.Status); any other key looks into each.
        if (INDEX.test(key)) {
          const index = Number(key);
          if (index < value.length) next.push(value[index]);
          continue;
        }
        fannedOut = true;
        for (let i = value.length - 1; i >= 0; i--) pending.push(value[i]);
        continue;
      }
      if (!isRecord(value)) continue;
      const field = lookup(value, key);
      if (field.found) next.push(field.value);
    }
    current = next;
  }
  if (!fannedOut) return current.length === 0 ? MISSING : { kind: 'one', value: current[0] };
  return { kind: 'many', values: flatten(current) };
}

/** Exact name first; Consul's Go structs also answer to other casings, so fall back to that. */
function lookup(record: Record<string, unknown>, key: string): { found: boolean; value?: unknown } {
  if (Object.hasOwn(record, key)) return { found: true, value: record[key] };
  const lower = key.toLowerCase();
  for (const name of Object.keys(record)) {
    if (name.toLowerCase() === lower) return { found: true, value: record[name] };
  }
  return { found: false };
}

function flatten(values: unknown[]): unknown[] {
  const out: unknown[] = [];
  const pending = values.reverse();
  while (pending.length > 0) {
    const value = pending.pop();
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push(value[i]);
    } else {
      out.push(value);
    }
  }
  return out;
}
