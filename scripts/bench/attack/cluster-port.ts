import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { pack } from 'msgpackr';
import { holdConnections, oneShotLoop } from './sockets.js';
import type { Attack, AttackContext } from './types.js';

/*
 * Attacks on the server port. The frames are built by hand, as an attacker would: a 4-byte big-endian
 * payload length, a kind byte (1 hello, 3 request), then the payload.
 */

const HANDSHAKE_METRICS = [
  'cairn_cluster_handshake_failures_total',
  'cairn_cluster_connections_refused_total',
];

function frame(kind: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(5);
  h.writeUInt32BE(payload.length, 0);
  h[4] = kind;
  return Buffer.concat([h, payload]);
}

/** A join request as a server would send it, after a hello: plain (no key) or with a key id we made up. */
function hijack(n: number): Buffer {
  const id = Buffer.from(`intruder-${n}`);
  const hello =
    n % 2 === 0
      ? frame(1, Buffer.concat([Buffer.from([1, 1]), id]))
      : frame(1, Buffer.concat([Buffer.from([2, 1]), randomBytes(8), randomBytes(32), id]));
  const reqId = Buffer.alloc(4);
  reqId.writeUInt32BE(1, 0);
  const join = pack({ t: 'join', server: { id: `intruder-${n}`, address: '127.0.0.5:1' } }) as Buffer;
  return Buffer.concat([hello, frame(3, Buffer.concat([reqId, join]))]);
}

const oneShot = (payload: (n: number) => Buffer) => (ctx: AttackContext) => {
  let n = 0;
  return oneShotLoop(
    ctx.target.serverPort,
    ctx.sources.slice(0, 1),
    16,
    ctx.until,
    7_000,
    (s: Socket) => {
      s.write(payload(n++));
    },
    ctx.interrupted,
  );
};

export const joinHijack: Attack = {
  name: 'join_hijack_without_key',
  metrics: HANDSHAKE_METRICS,
  run: oneShot(hijack),
};

export const randomGarbage: Attack = {
  name: 'random_bytes',
  metrics: HANDSHAKE_METRICS,
  run: oneShot(() => randomBytes(4096)),
};

export const hugeFrame: Attack = {
  name: 'frame_claiming_4GiB',
  metrics: HANDSHAKE_METRICS,
  // 0xffffffff bytes of hello, of which only a few ever come.
  run: oneShot(() => Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 1]), randomBytes(64)])),
};

/** Connections that connect and then say nothing, spread over many addresses to pass the per-address cap. */
export function halfOpen(connections: number): Attack {
  return {
    name: 'half_open_server_port',
    metrics: HANDSHAKE_METRICS,
    run: (ctx) =>
      holdConnections(
        ctx.target.serverPort,
        ctx.sources,
        connections,
        ctx.until,
        50,
        () => undefined,
        ctx.interrupted,
      ),
  };
}
