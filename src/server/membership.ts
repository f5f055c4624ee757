import type { Logger } from 'pino';
import type { RaftNode, Transport } from '../raft/index.js';
import type { ApplyResult, Command, NodeSpec, RegistryView } from '../state/index.js';
import { noLeader, ServerError } from './errors.js';
import type { Response, ServerInfo } from './rpc.js';
import { decodeResponse, encodeRpc, type Request } from './rpc.js';

/** The Raft operations membership uses: discovery, peer addresses and configuration changes. */
export type MembershipRaft = Pick<
  RaftNode<ApplyResult>,
  | 'hasHistory'
  | 'bootstrapIfEmpty'
  | 'setPeerAddress'
  | 'peerAddress'
  | 'isLeader'
  | 'leader'
  | 'status'
  | 'addLearner'
  | 'promote'
  | 'removeMember'
>;

/** What membership needs of its server (not the server itself, so that neither imports the other). */
export interface MembershipHost {
  readonly raft: MembershipRaft;
  readonly state: RegistryView;
  apply(cmd: Command): Promise<unknown>;
  /** Sends a request to server `to` over the cluster transport (a join, to the leader). */
  request(to: string, req: Request, timeoutMs: number): Promise<Response>;
  /** This server's own catalog node, registered by the leader when missing. */
  selfNode(): NodeSpec;
  /** host:port of this server's Raft and forwarding listener. */
  serverAddress(): string;
  /** The wall clock written into commands. */
  now(): number;
  /** Calls `f` on every change of leader (null: none known). */
  onLeaderChanged(f: (lead: string | null) => void): void;
}

/** The options of the server that membership reads. */
export interface MembershipOptions {
  readonly node: string;
  readonly datacenter: string;
  readonly httpAddress: string;
  /** host:port of its HTTPS API, told to the other servers; absent or '' for none. */
  readonly httpsAddress?: string;
  readonly bootstrapExpect: number | null;
  readonly join: readonly string[];
  readonly logger: Logger;
  readonly maxVoters?: number;
}

const DISCOVERY_EVERY_MS = 500;
const JOIN_EVERY_MS = 1000;
const RECONCILE_EVERY_MS = 1000;
/** A learner is promoted once it trails the leader's commit index by at most this much. */
const CAUGHT_UP_SLACK = 64;

/**
 * How servers find each other and become one cluster: bootstrap-expect
 * discovery, joining a running cluster (as a learner, promoted once caught
 * up, one change at a time, up to `maxVoters`), and keeping every server's
 * view of the others' addresses current from the replicated member table.
 */
export class Membership {
  private readonly known = new Map<string, ServerInfo>();
  private readonly log: Logger;
  private readonly maxVoters: number;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private busy = { discover: false, join: false, reconcile: false };
  private joined = false;
  private stopped = false;

  constructor(
    private readonly server: MembershipHost,
    private readonly transport: Transport,
    private readonly opts: MembershipOptions,
  ) {
    this.log = opts.logger;
    this.maxVoters = opts.maxVoters ?? 5;
  }

  self(): ServerInfo {
    return {
      name: this.opts.node,
      serverAddress: this.server.serverAddress(),
      httpAddress: this.opts.httpAddress,
      datacenter: this.opts.datacenter,
    };
  }

  start(): void {
    const raft = this.server.raft;
    if (this.opts.bootstrapExpect !== null && !raft.hasHistory) {
      this.every(DISCOVERY_EVERY_MS, 'discover', () => this.discoverRound());
    } else if (this.opts.join.length > 0) {
      this.every(JOIN_EVERY_MS, 'join', () => this.joinRound());
    }
    this.every(RECONCILE_EVERY_MS, 'reconcile', () => this.reconcile());
    // Announce ourselves as soon as there is a leader, not a second later.
    this.server.onLeaderChanged((lead) => {
      if (lead !== null) this.kick('reconcile', () => this.reconcile());
    });
  }

  private kick(what: keyof Membership['busy'], f: () => Promise<void>): void {
    if (this.stopped || this.busy[what]) return;
    this.busy[what] = true;
    f()
      .catch((err: unknown) => this.log.debug({ err, what }, 'membership round failed'))
      .finally(() => {
        this.busy[what] = false;
      });
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearInterval(t);
    this.timers.clear();
  }

  private every(ms: number, what: keyof Membership['busy'], f: () => Promise<void>): void {
    const run = () => this.kick(what, f);
    this.timers.set(what, setInterval(run, ms));
    setImmediate(run);
  }

  /** Asks a server we know only by address. */
  async requestAddress(address: string, req: Request, timeoutMs = 2000): Promise<Response> {
    const id = `~${address}`;
    this.transport.setPeer(id, address);
    try {
      return decodeResponse(await this.transport.request(id, encodeRpc(req), timeoutMs));
    } finally {
      this.transport.removePeer(id);
    }
  }

  // ---- bootstrap-expect ----------------------------------------------------------------

  private async discoverRound(): Promise<void> {
    const raft = this.server.raft;
    const expect = this.opts.bootstrapExpect ?? 1;
    if (raft.hasHistory) {
      this.stopTimer('discover');
      return;
    }
    let existing: string | null = null;
    for (const address of this.opts.join) {
      let res: Response;
      try {
        res = await this.requestAddress(address, { t: 'hello', server: this.self(), hasHistory: false });
      } catch {
        continue;
      }
      if (!res.ok || res.t !== 'hello') continue;
      for (const s of [res.server, ...res.known]) await this.learn(s);
      if (res.hasHistory) existing = address;
    }
    if (existing !== null) {
      this.log.info({ via: existing }, 'bootstrap-expect: a cluster already exists; joining it instead');
      this.stopTimer('discover');
      this.every(JOIN_EVERY_MS, 'join', () => this.joinRound());
      return;
    }
    const servers = [this.opts.node, ...this.known.keys()].sort();
    if (servers.length < expect) return;
    this.stopTimer('discover');
    if (raft.bootstrapIfEmpty(servers)) {
      this.log.info({ voters: servers }, 'bootstrap-expect reached: bootstrapping the cluster');
    }
  }

  private async learn(s: ServerInfo): Promise<void> {
    if (s.name === this.opts.node) return;
    this.known.set(s.name, s);
    await this.server.raft.setPeerAddress(s.name, s.serverAddress);
  }

  onHello(from: ServerInfo, _hasHistory: boolean): Response {
    // Addresses learned from a hello serve the bootstrap discovery only: once this server has a
    // history, its peers' addresses come from membership changes and the member table, and a
    // hello naming a known server with another address must not redirect its traffic.
    if (!this.server.raft.hasHistory && isServerInfo(from)) void this.learn(from);
    return {
      ok: true,
      t: 'hello',
      server: this.self(),
      hasHistory: this.server.raft.hasHistory,
      known: [...this.known.values()],
    };
  }

  private stopTimer(what: keyof Membership['busy']): void {
    const t = this.timers.get(what);
    if (t) clearInterval(t);
    this.timers.delete(what);
  }

  // ---- join ----------------------------------------------------------------------------

  private async joinRound(): Promise<void> {
    if (this.joined) return;
    for (const address of this.opts.join) {
      try {
        await this.joinVia(address);
        this.joined = true;
        this.stopTimer('join');
        return;
      } catch (err) {
        this.log.debug({ err, address }, 'join attempt failed; will retry');
      }
    }
  }

  /** Joins the cluster that the server at `address` belongs to (also PUT /v1/agent/join). */
  async joinVia(address: string): Promise<number> {
    const res = await this.requestAddress(address, { t: 'join', server: this.self() }, 15_000);
    if (!res.ok) throw new ServerError(res.kind, res.message);
    if (res.t !== 'join') throw new ServerError('invalid', 'unexpected answer to join');
    for (const [id, addr] of res.peers) await this.server.raft.setPeerAddress(id, addr);
    this.log.info({ via: address, servers: res.peers.length }, 'joined the cluster');
    return res.peers.length;
  }

  /** A server asks to join: the leader adds it as a learner (autopilot promotes it later). */
  async onJoin(joiner: ServerInfo): Promise<Response> {
    const raft = this.server.raft;
    if (!isServerInfo(joiner)) return { ok: false, kind: 'invalid', message: 'malformed join request' };
    if (!raft.isLeader()) {
      const lead = raft.leader();
      if (!lead) return { ok: false, kind: 'noLeader', message: 'No cluster leader' };
      return this.server.request(lead.id, { t: 'join', server: joiner }, 15_000);
    }
    const conf = raft.status().conf;
    const refusal = addressChangeRefusal(
      joiner,
      conf.voters.includes(joiner.name) ||
        conf.learners.includes(joiner.name) ||
        joiner.name === this.opts.node,
      raft.peerAddress(joiner.name) ?? this.server.state.members.get(joiner.name)?.serverAddress,
    );
    if (refusal !== null) {
      this.log.warn(
        { server: joiner.name, address: joiner.serverAddress, current: raft.peerAddress(joiner.name) },
        'refused a join that would move an existing member to another address',
      );
      return refusal;
    }
    if (joiner.name !== this.opts.node) {
      if (!conf.voters.includes(joiner.name) && !conf.learners.includes(joiner.name)) {
        const voters = conf.voters.length;
        this.log.info(
          { server: joiner.name, address: joiner.serverAddress, voters },
          'adding a server as a learner',
        );
        await raft.addLearner(joiner.name, joiner.serverAddress);
      }
    }
    await this.server.apply({ type: 'memberUpsert', ...joiner });
    const now = raft.status().conf;
    const peers: [string, string][] = [];
    for (const id of [...now.voters, ...now.learners]) {
      const a = raft.peerAddress(id);
      if (a) peers.push([id, a]);
    }
    return { ok: true, t: 'join', peers };
  }

  // ---- reconcile and autopilot ------------------------------------------------------------

  private async reconcile(): Promise<void> {
    const raft = this.server.raft;
    if (!raft.leader()) return;
    const members = this.server.state.members;
    for (const m of members.all()) {
      if (m.name !== this.opts.node && m.status === 'alive')
        await raft.setPeerAddress(m.name, m.serverAddress);
    }
    const me = members.get(this.opts.node);
    const self = this.self();
    if (
      me?.status !== 'alive' ||
      me.serverAddress !== self.serverAddress ||
      me.httpAddress !== self.httpAddress
    ) {
      const conf = raft.status().conf;
      // A server that was removed must not re-announce itself as alive.
      if (conf.voters.includes(self.name) || conf.learners.includes(self.name)) {
        await this.server.apply({ type: 'memberUpsert', ...self });
      }
    }
    // Its own command, which servers of an older version skip (see memberHttps in src/state/commands.ts).
    const https = this.opts.httpsAddress ?? '';
    const now = members.get(this.opts.node);
    if (now?.status === 'alive' && (now.httpsAddress ?? '') !== https) {
      await this.server.apply({ type: 'memberHttps', name: self.name, httpsAddress: https });
    }
    if (!this.server.state.catalog.node(self.name)) {
      await this.server.apply({
        type: 'register',
        at: this.server.now(),
        node: this.server.selfNode(),
        skipNodeUpdate: true,
        service: null,
        checks: [],
        replaceExistingChecks: false,
      });
    }
    if (raft.isLeader()) await this.autopilot();
  }

  /** Promotes one caught-up learner per round while there are fewer than `maxVoters` voters. */
  private async autopilot(): Promise<void> {
    const raft = this.server.raft;
    const s = raft.status();
    if (s.conf.voters.length >= this.maxVoters) return;
    for (const id of s.conf.learners) {
      const p = s.progress.get(id);
      if (!p || p.match + CAUGHT_UP_SLACK < s.commit) continue;
      const m = this.server.state.members.get(id);
      if (m && m.status === 'left') continue;
      this.log.info(
        { server: id, match: p.match, commit: s.commit },
        'autopilot: promoting a caught-up learner',
      );
      await raft.promote(id);
      return;
    }
  }

  /** Removes a server from the Raft configuration and marks it left (force-leave, operator raft peer). */
  async remove(name: string): Promise<void> {
    const raft = this.server.raft;
    if (!raft.leader()) throw noLeader();
    const conf = raft.status().conf;
    const inConf = conf.voters.includes(name) || conf.learners.includes(name);
    if (!inConf && !this.server.state.members.get(name)) {
      throw new ServerError('notFound', `Unknown server "${name}"`);
    }
    if (inConf) {
      if (!raft.isLeader()) {
        throw new ServerError(
          'invalid',
          'membership changes are made on the leader; send this to the leader',
        );
      }
      await raft.removeMember(name);
    }
    if (this.server.state.members.get(name)) await this.server.apply({ type: 'memberLeft', name });
  }
}

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Whether a join or hello carries a well-formed server description (it arrives from the network). */
function isServerInfo(v: unknown): v is ServerInfo {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return (
    typeof s.name === 'string' &&
    NODE_NAME.test(s.name) &&
    typeof s.serverAddress === 'string' &&
    /^.{1,255}:\d{1,5}$/.test(s.serverAddress) &&
    typeof s.httpAddress === 'string' &&
    s.httpAddress.length <= 300 &&
    typeof s.datacenter === 'string' &&
    s.datacenter.length <= 128
  );
}

/**
 * A join may add a server, or repeat the join of a member at the address it already has; it may
 * never move a member (voter or learner) to another address. Otherwise one request, from anyone
 * who can reach the server port, could point the cluster's traffic for its voters somewhere else
 * and leave it without a quorum for good. Moving a server takes a removal and a new join.
 */
export function addressChangeRefusal(
  joiner: ServerInfo,
  isMember: boolean,
  currentAddress: string | undefined,
): Response | null {
  if (!isMember || currentAddress === undefined || currentAddress === joiner.serverAddress) return null;
  return {
    ok: false,
    kind: 'invalid',
    message:
      `server "${joiner.name}" is already a member at ${currentAddress}; a join cannot move it to ` +
      `${joiner.serverAddress}: remove it first (cairn force-leave, or DELETE /v1/operator/raft/peer) ` +
      'and join again',
  };
}
