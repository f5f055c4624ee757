import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { NodeId, RaftNode } from '../raft/index.js';
import type { ApplyResult, NodeSpec } from '../state/index.js';

/** A duty only the leader performs (health, probes, tombstone collection): started and stopped with leadership. */
export interface LeaderDuty {
  start(): void;
  stop(): void;
}

/** What a server names itself in the catalog. */
export interface SelfDescription {
  readonly node: string;
  readonly bind: string;
  readonly datacenter: string;
}

/**
 * This server's own catalog node: agent registrations and sessions created here live on it. Its
 * ID is derived from the name, so every server computes the same one for it.
 */
export function selfNodeSpec(self: SelfDescription): NodeSpec {
  const h = createHash('sha256').update(`cairn-node:${self.node}`).digest('hex');
  return {
    name: self.node,
    id: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`,
    address: self.bind,
    datacenter: self.datacenter,
    taggedAddresses: { lan: self.bind, lan_ipv4: self.bind },
    meta: { 'cairn-server': 'true' },
  };
}

/**
 * A leader about to stop hands leadership to the most caught-up voter, and waits (up to
 * `timeoutMs`) until another server leads, so the cluster does not sit out an election timeout.
 */
export async function handLeadershipOver(
  raft: Pick<RaftNode<ApplyResult>, 'status' | 'transferLeadership' | 'on' | 'off'>,
  self: NodeId,
  timeoutMs: number,
  log: Logger,
): Promise<void> {
  const s = raft.status();
  let best: { id: string; match: number } | null = null;
  for (const [id, p] of s.progress) {
    if (id === self || !s.conf.voters.includes(id)) continue;
    if (!best || p.match > best.match) best = { id, match: p.match };
  }
  if (!best) return;
  log.info({ to: best.id }, 'stopping: handing leadership over first');
  if (!raft.transferLeadership(best.id)) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    function done() {
      clearTimeout(timer);
      raft.off('leaderChanged', onChange);
      resolve();
    }
    function onChange(lead: NodeId | null) {
      if (lead !== null && lead !== self) done();
    }
    raft.on('leaderChanged', onChange);
  });
}
