import type { NodeId, RaftNode, Transport } from '../raft/index.js';
import { RaftError, TransportError } from '../raft/index.js';
import { noLeader, ServerError, toServerError } from './errors.js';
import { decodeResponse, encodeRpc, type Request, type Response } from './rpc.js';

/** How long one request to another server may take before it counts as lost. */
export const FORWARD_TIMEOUT_MS = 7_000;

/** The server's leaderChanged event (emitted once its leader duties have started or stopped). */
export interface LeaderEvents {
  on(event: 'leaderChanged', f: (lead: NodeId | null) => void): unknown;
  off(event: 'leaderChanged', f: (lead: NodeId | null) => void): unknown;
}

export interface ForwardingDeps {
  readonly raft: Pick<RaftNode<unknown>, 'leader' | 'isLeader'>;
  readonly transport: Pick<Transport, 'request'>;
  readonly events: LeaderEvents;
  /** True once the server is stopping: nothing is started or retried any more. */
  stopping(): boolean;
}

/** One call that must run on the leader: here if this server leads, else as `request` to it. */
export interface LeaderCall<T> {
  readonly deadlineMs: number;
  readonly here: () => Promise<T>;
  readonly request: Request;
  /** Whether sending it twice is harmless; if not, a failure after it may have left is an unknown outcome. */
  readonly idempotent: boolean;
  /** The call's result from the leader's answer; undefined for an answer of the wrong shape. */
  readonly answer: (res: Response) => T | undefined | Promise<T | undefined>;
}

/** Getting work to the leader: requests to other servers, and retrying while it is safe to. */
export class Forwarding {
  constructor(private readonly deps: ForwardingDeps) {}

  /** Sends one request to server `to` over the cluster transport. */
  async request(to: NodeId, req: Request, timeoutMs: number): Promise<Response> {
    return decodeResponse(await this.deps.transport.request(to, encodeRpc(req), timeoutMs));
  }

  /**
   * Runs `here` if this server leads, or sends `request` to the leader, and
   * retries (with backoff, until the deadline) while retrying is safe: no
   * leader yet, the leader changed, or the request surely never left. Once
   * a non-idempotent request may have been delivered, a failure is an
   * unknown outcome.
   */
  async onLeader<T>(call: LeaderCall<T>): Promise<T> {
    const { raft } = this.deps;
    const deadline = performance.now() + call.deadlineMs;
    for (let attempt = 0; ; attempt++) {
      if (this.deps.stopping()) throw new ServerError('unavailable', 'server is stopping');
      if (attempt > 0) await pause(Math.min(50 * attempt, 500));
      if (performance.now() > deadline) throw noLeader();
      await this.waitForLeader(deadline);
      if (raft.isLeader()) {
        try {
          return await call.here();
        } catch (e) {
          if (leaderLost(e)) continue;
          throw toServerError(e);
        }
      }
      const lead = raft.leader();
      if (!lead) continue;
      let res: Response;
      try {
        res = await this.request(lead.id, call.request, FORWARD_TIMEOUT_MS);
      } catch (e) {
        if (e instanceof TransportError && (call.idempotent || notSent(e))) continue;
        throw new ServerError('unknownOutcome', `forwarding to the leader failed: ${(e as Error).message}`);
      }
      if (!res.ok && res.kind === 'noLeader') continue;
      if (!res.ok) throw new ServerError(res.kind, res.message);
      const out = await call.answer(res);
      if (out === undefined) throw new ServerError('unknownOutcome', 'unexpected answer from the leader');
      return out;
    }
  }

  /** Resolves once a leader is known, or rejects with "No cluster leader" at the deadline. */
  private waitForLeader(deadline: number): Promise<void> {
    if (this.deps.raft.leader()) return Promise.resolve();
    const { events } = this.deps;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          events.off('leaderChanged', onChange);
          reject(noLeader());
        },
        Math.max(0, deadline - performance.now()),
      );
      const onChange = (lead: NodeId | null) => {
        if (lead === null) return;
        clearTimeout(timer);
        events.off('leaderChanged', onChange);
        resolve();
      };
      events.on('leaderChanged', onChange);
    });
  }
}

/** Raft refused or dropped a proposal because this server stopped leading: it surely did not happen. */
export function leaderLost(e: unknown): e is RaftError {
  return e instanceof RaftError && (e.code === 'RAFT_NOT_LEADER' || e.code === 'RAFT_DROPPED');
}

/** A transport failure that guarantees the request never reached the other server. */
export function notSent(e: TransportError): boolean {
  return (
    e.code === 'TRANSPORT_UNKNOWN_PEER' ||
    e.code === 'TRANSPORT_UNREACHABLE' ||
    e.code === 'TRANSPORT_CLOSED' ||
    e.code === 'TRANSPORT_OVERLOADED'
  );
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
