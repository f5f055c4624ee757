import type { FastifyReply, FastifyRequest } from 'fastify';
import { Topic } from '../../state/index.js';
import type { HttpContext } from '../context.js';
import { HttpError } from '../errors.js';
import { param, query } from '../params.js';
import { none, requires } from './acl.js';
import type { Route } from './types.js';

// A JSON string, not text: clients parse it (`"10.0.0.1:8300"`, `""` without a leader).
async function leader(_req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) {
  return reply
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(ctx.server.leader()?.serverAddress ?? ''));
}

async function peers(_req: FastifyRequest, _reply: FastifyReply, { server }: HttpContext) {
  const s = server.status();
  return s.conf.voters.map((id) => server.serverAddressOf(id)).filter((a) => a !== undefined);
}

function configuration(req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) {
  const { server } = ctx;
  return ctx.reads.answer(req, reply, {
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
          Node: server.view.members.get(id)?.name ?? '(unknown)',
          Address: server.serverAddressOf(id) ?? '',
          Leader: id === lead,
          ProtocolVersion: '3',
          Voter: voter,
          LastIndex: s.progress.get(id)?.match ?? (id === server.name ? s.lastIndex : 0),
        }));
      return { index: s.commit, body: { Servers: servers, Index: s.commit } };
    },
  });
}

async function removePeer(req: FastifyRequest, _reply: FastifyReply, { server }: HttpContext) {
  const q = query(req);
  const id = param(q, 'id');
  const address = param(q, 'address');
  if (!id && !address)
    throw new HttpError(
      'HTTP_MISSING_PARAM',
      "Must specify either ?id with the server's ID or ?address with IP:port of peer to remove",
    );
  let target = id;
  if (!target) {
    const s = server.status();
    target = [...s.conf.voters, ...s.conf.learners].find((p) => server.serverAddressOf(p) === address);
    if (!target)
      throw new HttpError(
        'OPERATOR_UNKNOWN_PEER',
        `address "${address}" was not found in the Raft configuration`,
      );
  }
  await server.removeServer(target);
  return '';
}

const cluster = { doc: 'the cluster (Consul checks operator rules without a segment)', of: () => '' };

/** /v1/status and /v1/operator/raft: who leads, who votes, and removing a server. */
export const statusRoutes: readonly Route[] = [
  {
    method: 'GET',
    url: '/v1/status/leader',
    read: 'local',
    acl: none,
    summary: "the leader's server address",
    handler: leader,
  },
  {
    method: 'GET',
    url: '/v1/status/peers',
    read: 'local',
    acl: none,
    summary: 'the voting servers',
    handler: peers,
  },
  {
    method: 'GET',
    url: '/v1/operator/raft/configuration',
    read: 'blocking',
    acl: requires('operator', 'read', cluster),
    summary: 'the Raft configuration',
    handler: configuration,
  },
  {
    method: 'DELETE',
    url: '/v1/operator/raft/peer',
    read: 'write',
    acl: requires('operator', 'write', cluster),
    summary: 'remove a server from the Raft configuration',
    handler: removePeer,
  },
];
