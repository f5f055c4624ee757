import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { Topic } from '../../state/index.js';
import type { HttpContext } from '../context.js';
import { HttpError } from '../errors.js';
import { clientAddress } from '../limits/index.js';
import { lookup } from '../lookup.js';
import { custom } from '../routes/acl.js';
import type { Route, SocketHandler } from '../routes/types.js';
import { checkJson, nodeJson } from '../shapes.js';
import { type ConnectionLimits, WatchConnection } from './connection.js';
import { DiffGroup, type Group, KvGroup } from './groups.js';
import {
  type ClientMessage,
  groupKey,
  ProtocolError,
  parseClientMessage,
  type Subscription,
} from './protocol.js';

const LIMITS: ConnectionLimits = {
  highWaterBytes: 4 * 1024 * 1024,
  lowWaterBytes: 256 * 1024,
  maxLagMs: 30_000,
};
const PING_EVERY_MS = 15_000;
const MAX_SUBS_PER_SOCKET = 256;

/** The watch state of one app (its shared groups), and the handler for each of its sockets. */
function watchSockets(ctx: HttpContext): SocketHandler {
  const groups = new Map<string, Group>();
  const state = ctx.server.view;
  const m = ctx.metrics;

  const onEvents = (n: number, fanoutMs: number) => {
    m.watchEvents.inc(n);
    m.watchFanout.observe({}, fanoutMs / 1000);
  };

  function makeGroup(s: Subscription): Group {
    switch (s.kind) {
      case 'kv':
        return new KvGroup(s.key, s.recurse, state, onEvents);
      case 'service': {
        const opts = {
          memoKey: JSON.stringify(['watch', s.passing, s.tag]),
          passingOnly: s.passing,
          tags: s.tag ? [s.tag] : [],
          nodeMeta: [],
          filter: null,
          strategy: null,
          key: undefined,
          limit: 0,
        };
        return new DiffGroup(
          s.key,
          'service',
          state,
          [Topic.service(s.key)],
          () => {
            const out = new Map<string, unknown>();
            for (const e of lookup(ctx, s.key, opts).entries as {
              Node: { Node: string };
              Service: { ID: string };
            }[]) {
              out.set(`${e.Node.Node}/${e.Service.ID}`, e);
            }
            return out;
          },
          'instances',
          onEvents,
        );
      }
      case 'services':
        return new DiffGroup(
          '',
          'services',
          state,
          [Topic.services],
          () =>
            new Map(
              [...state.catalog.serviceNames()].map(([name, tags]) => [name, { Name: name, Tags: tags }]),
            ),
          'services',
          onEvents,
        );
      case 'checks':
        return new DiffGroup(
          s.key,
          'checks',
          state,
          [s.key === '' ? Topic.checks : Topic.service(s.key)],
          () => {
            const list = s.key === '' ? state.catalog.allChecks() : state.catalog.checksOfService(s.key);
            const out = new Map<string, unknown>();
            for (const c of list) {
              if (s.state && s.state !== 'any' && c.status !== s.state) continue;
              out.set(`${c.node}/${c.id}`, checkJson(c));
            }
            return out;
          },
          'checks',
          onEvents,
        );
      case 'nodes':
        return new DiffGroup(
          '',
          'nodes',
          state,
          [Topic.nodes],
          () => new Map(state.catalog.allNodes().map((n) => [n.name, nodeJson(n)])),
          'nodes',
          onEvents,
        );
    }
  }

  function leave(conn: WatchConnection, id: string): boolean {
    const sub = conn.subs.get(id);
    if (!sub) return false;
    conn.subs.delete(id);
    sub.release();
    sub.group.members.delete(sub.member);
    m.watchers.dec({ kind: sub.group.kind });
    if (sub.group.members.size === 0) {
      sub.group.dispose();
      groups.delete(groupKeyOf(sub.group));
    }
    return true;
  }

  const keyOfGroup = new WeakMap<Group, string>();
  const groupKeyOf = (g: Group) => keyOfGroup.get(g) as string;

  function handle(conn: WatchConnection, client: string, msg: ClientMessage): void {
    switch (msg.op) {
      case 'ping':
        conn.send('{"event":"pong"}');
        return;
      case 'unsubscribe':
        if (!leave(conn, msg.id)) throw new ProtocolError(msg.id, `id: no subscription "${msg.id}"`);
        conn.send(`{"id":${JSON.stringify(msg.id)},"event":"unsubscribed"}`);
        return;
      case 'subscribe': {
        const s = msg.sub;
        if (conn.subs.has(s.id))
          throw new ProtocolError(s.id, `id: "${s.id}" is already subscribed on this socket`);
        if (conn.subs.size >= MAX_SUBS_PER_SOCKET)
          throw new ProtocolError(s.id, `at most ${MAX_SUBS_PER_SOCKET} subscriptions per socket`);
        const release = ctx.limits.watchSubscriptions.take(client);
        if (release === null) {
          ctx.limits.refused('watch_subscriptions');
          throw new ProtocolError(
            s.id,
            `too many watch subscriptions from ${client}: at most ${ctx.limits.watchSubscriptions.max} per client address over all its sockets (watch_max_subscriptions_per_client); unsubscribe some first`,
          );
        }
        const key = groupKey(s);
        let g = groups.get(key);
        if (!g) {
          try {
            g = makeGroup(s);
            keyOfGroup.set(g, key);
            groups.set(key, g);
            g.start();
          } catch (e) {
            // Not subscribed after all: the slot must not stay taken.
            release();
            throw e;
          }
        }
        const member = conn.member(s.id);
        conn.subs.set(s.id, { group: g, member, release });
        m.watchers.inc({ kind: s.kind });
        g.join(member, s.index);
        return;
      }
    }
  }

  return (socket: WebSocket, req: FastifyRequest) => {
    const client = clientAddress(req);
    const conn = new WatchConnection(socket, LIMITS, {
      sent: () => {},
      slowConsumer: () => m.watchSlowConsumers.inc(),
      reset: () => m.watchResets.inc(),
    });
    let alive = true;
    const pinger = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, PING_EVERY_MS);
    socket.on('pong', () => {
      alive = true;
    });
    socket.on('message', (data, isBinary) => {
      alive = true;
      let msg: ClientMessage;
      try {
        if (isBinary) throw new ProtocolError(null, 'message: expected a text frame with JSON');
        msg = parseClientMessage(data.toString());
        handle(conn, client, msg);
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        conn.send(
          JSON.stringify({ ...(e.id !== null ? { id: e.id } : {}), event: 'error', error: e.message }),
        );
      }
    });
    socket.on('close', () => {
      clearInterval(pinger);
      conn.close();
      for (const id of [...conn.subs.keys()]) leave(conn, id);
    });
    socket.on('error', () => {
      // 'close' follows.
    });
  };
}

/**
 * Takes a watch-connection slot for the upgrade's client address, held until its TCP socket
 * closes (however the upgrade or the stream ends); over the cap, the upgrade is answered 429.
 */
function admitWatchSocket(req: FastifyRequest, ctx: HttpContext): void {
  const client = clientAddress(req);
  const slots = ctx.limits.watchConnections;
  const release = slots.take(client);
  if (release === null) {
    ctx.limits.refused('watch_connections');
    throw new HttpError(
      'HTTP_CLIENT_LIMIT',
      `Too many watch connections from ${client}: at most ${slots.max} open at once per client address (watch_max_connections_per_client); subscribe on an open one instead`,
    );
  }
  const socket = req.raw.socket;
  if (socket.destroyed) release();
  else socket.once('close', release);
}

/** GET /v1/watch: WebSocket watch streams (see README, "Watches"). */
export const watchRoutes: readonly Route[] = [
  {
    method: 'GET',
    url: '/v1/watch',
    read: 'local',
    // Subscriptions come as messages on the socket, so each is checked when it is made.
    acl: custom(
      'none to connect; each subscription needs key:read (key:list with recurse), service:read or node:read',
      [],
      () => [],
      ['key', 'service', 'node'],
    ),
    summary: 'WebSocket watch streams (kv, service, services, checks, nodes)',
    socket: watchSockets,
    admit: admitWatchSocket,
  },
];
