/**
 * What a blocking query or watch can wait on. Applying a command touches the
 * topics of everything it changed; the watch hub wakes whoever waits on them.
 */
export const Topic = {
  nodes: 'nodes',
  services: 'services',
  checks: 'checks',
  members: 'members',
  service: (name: string) => `svc:${name}`,
  node: (name: string) => `node:${name}`,
  sessions: 'sessions',
  /** One KV key exactly. */
  kvKey: (key: string) => `kvk:${key}`,
  /** Every key under a prefix (touched for each prefix of a written key). */
  kvPrefix: (prefix: string) => `kvp:${prefix}`,
} as const;

/** Collects the topics one apply touches, so the hub is told once per entry. */
export class Touched {
  readonly topics = new Set<string>();

  add(topic: string): void {
    this.topics.add(topic);
  }
}
