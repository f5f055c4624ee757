import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { RaftNode } from '../driver.js';
import { RaftError, type RaftErrorCode } from '../errors.js';
import type { KvMachine } from './kv-machine.js';
import { runProposers } from './load.js';

/**
 * The demo node's HTTP control surface (not the registry API): propose a
 * command, read the state, see the Raft status, run an in-process load.
 */
export function startControlServer(
  node: RaftNode<number>,
  machine: KvMachine,
  host: string,
  port: number,
): Promise<Server> {
  const server = createServer((req, res) => {
    handle(node, machine, req, res).catch((err: unknown) => {
      if (err instanceof BodyTooLarge) reply(res, 413, { error: err.message });
      else reply(res, 500, { error: String(err) });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

async function handle(node: RaftNode<number>, machine: KvMachine, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://x');
  const route = `${req.method} ${url.pathname}`;
  switch (route) {
    case 'PUT /raft/propose':
    case 'POST /raft/propose': {
      const body = await readBody(req, 1024 * 1024);
      if (body.byteLength === 0) return reply(res, 400, { error: 'body: a command is required' });
      try {
        const out = await node.propose(body);
        return reply(res, 200, { index: out.index, result: out.result });
      } catch (e) {
        return replyRaftError(res, e);
      }
    }
    case 'GET /raft/state': {
      const consistent = url.searchParams.has('consistent');
      if (consistent || url.searchParams.has('linearizable')) {
        try {
          await node.readBarrier(!consistent);
        } catch (e) {
          return replyRaftError(res, e);
        }
      }
      const key = url.searchParams.get('key');
      return reply(res, 200, {
        ...machine.summary(),
        ...(key !== null ? { value: machine.get(key) ?? null } : {}),
      });
    }
    case 'GET /raft/status': {
      const s = node.status();
      return reply(res, 200, { ...s, progress: Object.fromEntries(s.progress), stats: node.stats });
    }
    case 'POST /raft/transfer': {
      const to = url.searchParams.get('to');
      if (!to) return reply(res, 400, { error: 'to: the id of the new leader is required' });
      return reply(res, node.transferLeadership(to) ? 200 : 409, { ok: node.isLeader() });
    }
    case 'POST /raft/members': {
      const id = url.searchParams.get('id');
      const address = url.searchParams.get('address');
      if (!id) return reply(res, 400, { error: 'id: the new member id is required' });
      if (!address || !/^[^:]+:\d{1,5}$/.test(address)) {
        return reply(res, 400, { error: 'address: host:port of the new member is required' });
      }
      return membership(res, () => node.addLearner(id, address));
    }
    case 'POST /raft/members/promote': {
      const id = url.searchParams.get('id');
      if (!id) return reply(res, 400, { error: 'id: the learner to promote is required' });
      return membership(res, () => node.promote(id));
    }
    case 'DELETE /raft/members': {
      const id = url.searchParams.get('id');
      if (!id) return reply(res, 400, { error: 'id: the member to remove is required' });
      return membership(res, () => node.removeMember(id));
    }
    case 'POST /raft/load': {
      const concurrency = intParam(url, 'concurrency', 64);
      const seconds = intParam(url, 'seconds', 10);
      const size = intParam(url, 'size', 256);
      if (concurrency === null || seconds === null || size === null) {
        return reply(res, 400, { error: 'concurrency, seconds, size: positive integers' });
      }
      return reply(res, 200, await runProposers(node, { concurrency, seconds, size }));
    }
    default:
      return reply(res, 404, { error: `no route ${route}` });
  }
}

async function membership(res: ServerResponse, change: () => Promise<number>): Promise<void> {
  try {
    reply(res, 200, { index: await change() });
  } catch (e) {
    replyRaftError(res, e);
  }
}

function intParam(url: URL, name: string, fallback: number): number | null {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const v = Number(raw);
  return Number.isInteger(v) && v > 0 ? v : null;
}

const STATUS_BY_CODE: Record<RaftErrorCode, number> = {
  RAFT_NOT_LEADER: 421,
  RAFT_DROPPED: 503,
  RAFT_UNKNOWN_OUTCOME: 504,
  RAFT_READ_TIMEOUT: 504,
  RAFT_BAD_MEMBERSHIP: 409,
  RAFT_STOPPED: 503,
};

function replyRaftError(res: ServerResponse, e: unknown): void {
  if (!(e instanceof RaftError)) throw e;
  const status = STATUS_BY_CODE[e.code];
  reply(res, status, { error: e.message, code: e.code, leader: e.leaderId, leaderAddress: e.leaderAddress });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.byteLength;
      if (size > limit) {
        reject(new BodyTooLarge(`body: larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
