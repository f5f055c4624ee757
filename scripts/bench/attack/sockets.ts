import { connect, type Socket } from 'node:net';
import { sleep } from '../support/index.js';

/** A TCP connection to 127.0.0.1:`port` from `localAddress`; errors are swallowed (a refusal is expected). */
export function dial(port: number, localAddress: string): Socket {
  const s = connect({ host: '127.0.0.1', port, localAddress });
  s.on('error', () => undefined);
  return s;
}

// A type, not an interface: it must fit AttackerFigures' index signature.
export type OneShotFigures = {
  connections: number;
  /** The server closed the connection before we gave up on it. */
  closed_by_server: number;
  /** The server kept it open past `waitMs`: we closed it. */
  left_open: number;
};

/**
 * `workers` loops that each connect from one of `sources`, call `send` once connected, and wait for the
 * server to close the connection (at most `waitMs`), until `until`.
 */
export async function oneShotLoop(
  port: number,
  sources: readonly string[],
  workers: number,
  until: number,
  waitMs: number,
  send: (s: Socket) => void,
  interrupted: () => boolean,
): Promise<OneShotFigures> {
  const f: OneShotFigures = { connections: 0, closed_by_server: 0, left_open: 0 };
  const worker = async (w: number): Promise<void> => {
    let n = 0;
    while (performance.now() < until && !interrupted()) {
      const source = sources[(w + n++) % sources.length] as string;
      f.connections++;
      const byServer = await new Promise<boolean>((done) => {
        const s = dial(port, source);
        const timer = setTimeout(() => {
          s.destroy();
          done(false);
        }, waitMs);
        s.once('connect', () => send(s));
        s.once('close', () => {
          clearTimeout(timer);
          done(true);
        });
        // Read and drop whatever the server answers (a challenge, nothing) so close is seen.
        s.resume();
      });
      if (byServer) f.closed_by_server++;
      else f.left_open++;
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  return f;
}

export type HeldFigures = {
  opened: number;
  /** Closed by the server within 100 ms of connecting: mostly refusals by a cap (the metric says exactly). */
  closed_within_100ms: number;
  /** Closed by the server later: a deadline. */
  closed_later: number;
  /** Most connections open at once from our side. */
  max_open: number;
};

/**
 * Keeps `count` connections open (spread over `sources`) until `until`, reopening each one the server
 * closes after `reopenMs`; `onOpen` may write to a fresh connection and return a cleanup.
 */
export async function holdConnections(
  port: number,
  sources: readonly string[],
  count: number,
  until: number,
  reopenMs: number,
  onOpen: (s: Socket) => (() => void) | undefined,
  interrupted: () => boolean,
): Promise<HeldFigures> {
  const f: HeldFigures = { opened: 0, closed_within_100ms: 0, closed_later: 0, max_open: 0 };
  let open = 0;
  const live = new Set<Socket>();
  const slot = async (i: number): Promise<void> => {
    while (performance.now() < until && !interrupted()) {
      const s = dial(port, sources[i % sources.length] as string);
      live.add(s);
      f.opened++;
      await new Promise<void>((done) => {
        let cleanup: (() => void) | undefined;
        let openedAt = Number.NaN;
        s.once('connect', () => {
          openedAt = performance.now();
          f.max_open = Math.max(f.max_open, ++open);
          cleanup = onOpen(s);
        });
        s.resume();
        s.once('close', () => {
          live.delete(s);
          cleanup?.();
          if (!Number.isNaN(openedAt)) {
            open--;
            if (performance.now() < until) {
              if (performance.now() - openedAt < 100) f.closed_within_100ms++;
              else f.closed_later++;
            }
          }
          done();
        });
      });
      await sleep(reopenMs);
    }
  };
  const stopAll = setInterval(() => {
    if (performance.now() >= until || interrupted()) for (const s of live) s.destroy();
  }, 50);
  try {
    await Promise.all(Array.from({ length: count }, (_, i) => slot(i)));
  } finally {
    clearInterval(stopAll);
    for (const s of live) s.destroy();
  }
  return f;
}
