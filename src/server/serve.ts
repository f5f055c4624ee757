import type { LeaderHealth } from '../health/index.js';
import type { RaftNode } from '../raft/index.js';
import { toServerError } from './errors.js';
import { leaderLost } from './forwarding.js';
import type { Membership } from './membership.js';
import { type Applied, decodeRequest, encodeRpc, type Failure, type Request, type Response } from './rpc.js';
import type { Writes } from './writes.js';

export interface ServeDeps {
  readonly raft: Pick<RaftNode<unknown>, 'isLeader' | 'readBarrier'>;
  readonly writes: Pick<Writes, 'proposeHere'>;
  readonly health: Pick<LeaderHealth, 'heartbeats' | 'renewSession'>;
  readonly membership: Pick<Membership, 'onJoin' | 'onHello'>;
}

const notLeader: Failure = { ok: false, kind: 'noLeader', message: 'not the leader' };

/**
 * Answers what other servers send over the cluster transport (rpc.ts): what was forwarded to the
 * leader, and the join and discovery handshakes. Every failure is an answer, never a throw.
 */
export async function serveRequest(deps: ServeDeps, payload: Uint8Array): Promise<Uint8Array> {
  let req: Request;
  try {
    req = decodeRequest(payload);
  } catch {
    return encodeRpc({ ok: false, kind: 'invalid', message: 'undecodable request' });
  }
  try {
    return encodeRpc(await serve(deps, req));
  } catch (e) {
    const err = toServerError(e);
    return encodeRpc({ ok: false, kind: err.kind, message: err.message });
  }
}

async function serve(deps: ServeDeps, req: Request): Promise<Response> {
  const { raft, writes, health, membership } = deps;
  switch (req.t) {
    case 'apply': {
      if (!raft.isLeader()) return notLeader;
      try {
        const out = await writes.proposeHere(req.cmd);
        return { ok: true, t: 'apply', index: out.index, result: out.result };
      } catch (e) {
        if (leaderLost(e)) return { ok: false, kind: 'noLeader', message: e.message };
        throw e;
      }
    }
    case 'applyBatch': {
      if (!raft.isLeader()) return notLeader;
      const outcomes = await Promise.all(
        req.cmds.map(async (cmd): Promise<Applied | Failure> => {
          try {
            const out = await writes.proposeHere(cmd);
            return { ok: true, index: out.index, result: out.result };
          } catch (e) {
            if (leaderLost(e)) return { ok: false, kind: 'noLeader', message: e.message };
            const err = toServerError(e);
            return { ok: false, kind: err.kind, message: err.message };
          }
        }),
      );
      return { ok: true, t: 'applyBatch', outcomes };
    }
    case 'read': {
      if (!raft.isLeader()) return notLeader;
      const index = await raft.readBarrier(req.lease);
      return { ok: true, t: 'read', index };
    }
    case 'heartbeats': {
      if (!raft.isLeader()) return notLeader;
      return { ok: true, t: 'heartbeats', results: await health.heartbeats(req.beats) };
    }
    case 'renew':
      if (!raft.isLeader()) return notLeader;
      if (!health.renewSession(req.id))
        return { ok: false, kind: 'notFound', message: `Session id '${req.id}' not found` };
      return { ok: true, t: 'renew' };
    case 'join':
      return membership.onJoin(req.server);
    case 'hello':
      return membership.onHello(req.server, req.hasHistory);
  }
}
