import type { Clock } from '../clock.js';
import type { ServerPool } from './server-pool.js';

const MIN_REFRESH_MS = 1000;

/**
 * Learns which server leads, so writes can go to it first. cairn names the leader by its server
 * (Raft) address in `/v1/status/leader`; `/v1/agent/members` maps that to its HTTP address
 * (`Tags.http`), or to its HTTPS address (`Tags.https`) for a client given https servers. Refreshed on the first write and after a write fails, at most once a second,
 * in the background: a hint only orders servers, it never holds up a request.
 */
export class LeaderHints {
  #last = Number.NEGATIVE_INFINITY;
  #running = false;
  #closed = false;

  constructor(
    private readonly pool: ServerPool,
    private readonly clock: Clock,
    private readonly get: (server: string, path: string) => Promise<string | null>,
  ) {}

  /** Fetches a first hint if there has never been one. */
  ensure(): void {
    if (this.#last === Number.NEGATIVE_INFINITY) this.refreshSoon();
  }

  refreshSoon(): void {
    if (this.#closed || this.#running || this.clock.now() - this.#last < MIN_REFRESH_MS) return;
    this.#running = true;
    this.#last = this.clock.now();
    this.#refresh()
      .catch(() => {})
      .finally(() => {
        this.#running = false;
      });
  }

  close(): void {
    this.#closed = true;
  }

  async #refresh(): Promise<void> {
    for (const server of this.pool.order(this.clock.now())) {
      if (this.#closed) return;
      const [members, leader] = await Promise.all([
        this.get(server, '/v1/agent/members'),
        this.get(server, '/v1/status/leader'),
      ]);
      if (members === null || leader === null) continue;
      const address = leaderApiAddress(members, leader, this.pool.https);
      if (address === undefined) continue;
      if (!this.#closed) this.pool.setLeader(address);
      return;
    }
  }
}

/**
 * The leader's API address from the two answers: a string (null when no leader is known or it
 * cannot be dialled), or undefined when the answers make no sense. A client that talks https
 * takes the leader's `Tags.https` (as an https:// URL), and a plain one `Tags.http`.
 */
export function leaderApiAddress(
  membersText: string,
  leaderText: string,
  https = false,
): string | null | undefined {
  let members: unknown;
  let leader: unknown;
  try {
    members = JSON.parse(membersText);
    leader = JSON.parse(leaderText);
  } catch {
    return undefined;
  }
  if (typeof leader !== 'string' || !Array.isArray(members)) return undefined;
  if (leader === '') return null;
  for (const m of members) {
    if (typeof m !== 'object' || m === null) continue;
    const { Addr, Port, Tags } = m as { Addr?: unknown; Port?: unknown; Tags?: unknown };
    if (`${String(Addr)}:${String(Port)}` !== leader) continue;
    const tags =
      typeof Tags === 'object' && Tags !== null ? (Tags as { http?: unknown; https?: unknown }) : {};
    const address = https ? tags.https : tags.http;
    if (typeof address !== 'string' || address === '') return null;
    // A server listening on every interface advertises an address nobody else can dial.
    if (/^(0\.0\.0\.0|\[::\]|::):/.test(address)) return null;
    return https ? `https://${address}` : address;
  }
  return null;
}
