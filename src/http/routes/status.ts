import type { FastifyInstance } from 'fastify';
import { Topic } from '../../state/index.js';
import type { HttpContext } from '../context.js';
import { HttpError } from '../errors.js';
import { param, query } from '../params.js';

/** /v1/status and /v1/operator/raft: who leads, who votes, and removing a server. */
export function statusRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { server } = ctx;

  // A JSON string, not text: clients parse it (`"10.0.0.1:8300"`, `""` without a leader).
  app.get('/v1/status/leader', async (_req, reply) =>
    reply.type('application/json; charset=utf-8').send(JSON.stringify(server.leader()?.serverAddress ?? '')),
  );

  app.get('/v1/status/peers', async () => {
    const s = server.status();
    return s.conf.voters.map((id) => server.raft.peerAddress(id)).filter((a) => a !== undefined);
  });

  app.get('/v1/operator/raft/configuration', (req, reply) =>
    ctx.reads.answer(req, reply, {
      topics: [Topic.members],
      shared: false,
      compute: () => {
        const s = server.status();
        const lead = server.leader()?.name ?? null;
        const servers = [
          ...s.conf.voters.map((id) => [id, true] as const),
          ...s.conf.learners.map((id) => [id, false] as const),
        ]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([id, voter]) => ({
            ID: id,
            Node: server.state.members.get(id)?.name ?? '(unknown)',
            Address: server.raft.peerAddress(id) ?? '',
            Leader: id === lead,
            ProtocolVersion: '3',
            Voter: voter,
            LastIndex: s.progress.get(id)?.match ?? (id === server.name ? s.lastIndex : 0),
          }));
        return { index: s.commit, body: { Servers: servers, Index: s.commit } };
      },
    }),
  );

  app.delete('/v1/operator/raft/peer', async (req) => {
    const q = query(req);
    const id = param(q, 'id');
    const address = param(q, 'address');
    if (!id && !address)
      throw new HttpError(
        400,
        "Must specify either ?id with the server's ID or ?address with IP:port of peer to remove",
      );
    let target = id;
    if (!target) {
      const s = server.status();
      target = [...s.conf.voters, ...s.conf.learners].find((p) => server.raft.peerAddress(p) === address);
      if (!target) throw new HttpError(404, `address "${address}" was not found in the Raft configuration`);
    }
    await server.membership.remove(target);
    return '';
  });
}
