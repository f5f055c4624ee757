/**
 * One load process of `npm run bench:watch`: `count` watchers, each on its own
 * connection, spread round robin over the servers' URLs. A watcher records
 * when it first receives each change the writer makes (change `n` carries the
 * text `seq-<n>`, found in the event without parsing it as JSON), on this
 * machine's clock (`performance.timeOrigin + performance.now()`, comparable
 * across processes).
 *
 * Transports:
 * - `ws`: cairn's `/v1/watch` WebSocket (the `ws` package), one subscription per socket;
 * - `longpoll`: Consul-style blocking GETs (`?index=N&wait=60s`), one keep-alive
 *   HTTP/1.1 connection per watcher, written and parsed by hand (status,
 *   Content-Length and X-Consul-Index only) to keep this process lean;
 * - `etcd`: etcd's JSON gateway, `POST /v3/watch`, one streaming response per watcher.
 *
 * Protocol with the parent (IPC, advanced serialization): it sends the plan,
 * this answers `ready` once every watcher holds its initial state; `progress`
 * asks how many watchers have seen change `seq`; `collect` gets the receipts,
 * after which this process closes its connections and exits.
 */
import net from 'node:net';
import WebSocket from 'ws';

export interface WatchPlan {
  readonly mode: 'ws' | 'longpoll' | 'etcd';
  /** Base URLs (http://127.0.0.1:port); watcher `first + i` uses `urls[(first + i) % urls.length]`. */
  readonly urls: readonly string[];
  readonly first: number;
  readonly count: number;
  /** Changes are numbered 1..changes. */
  readonly changes: number;
  /** ws: the subscribe message; longpoll: the path to GET; etcd: the watch request body. */
  readonly request: string;
  /** Where a change's text starts, e.g. `"Value":"` (base64 follows) or `"Output":"seq-` (digits follow). */
  readonly marker: string;
  readonly base64: boolean;
  /** How many watchers of this process connect at the same time. */
  readonly connectConcurrency: number;
}

export type ToWorker = { t: 'plan'; plan: WatchPlan } | { t: 'progress'; seq: number } | { t: 'collect' };

export type FromWorker =
  | { t: 'ready'; ready: number; failed: number; firstError: string | null }
  | { t: 'progress'; seen: number }
  | {
      t: 'collect';
      /** receipts[w * (changes + 1) + n]: when watcher w first saw change n (0: never). */
      receipts: Float64Array;
      /** 1 where watcher w got its initial state. */
      connected: Uint8Array;
      errors: number;
      disconnects: number;
      firstError: string | null;
      messages: number;
      bytes: number;
    };

const clock = () => performance.timeOrigin + performance.now();

let plan: WatchPlan;
let receipts: Float64Array;
let maxSeq: Int32Array;
let connected: Uint8Array;
let stride = 0;
let errors = 0;
let disconnects = 0;
let messages = 0;
let bytes = 0;
let firstError: string | null = null;
let stopping = false;
let marker: Buffer;

const closers: (() => void)[] = [];

function error(what: string): void {
  errors++;
  if (firstError === null) firstError = what;
}

/** Records every change named in buf[from, to) as received now by watcher w. */
function record(w: number, buf: Buffer, from: number, to: number, now: number): void {
  let i = buf.indexOf(marker, from);
  while (i >= 0 && i < to) {
    const s = i + marker.length;
    let seq = -1;
    if (plan.base64) {
      const e = buf.indexOf(34, s);
      if (e < 0 || e > to) break;
      const text = Buffer.from(buf.toString('latin1', s, e), 'base64').toString('latin1');
      const k = text.indexOf('seq-');
      if (k >= 0) seq = Number.parseInt(text.slice(k + 4), 10);
    } else {
      let n = 0;
      let j = s;
      for (; j < to; j++) {
        const c = buf[j] as number;
        if (c < 48 || c > 57) break;
        n = n * 10 + (c - 48);
      }
      if (j > s) seq = n;
    }
    if (seq >= 0 && seq <= plan.changes) {
      const at = w * stride + seq;
      if (receipts[at] === 0) receipts[at] = now;
      if (seq > (maxSeq[w] as number)) maxSeq[w] = seq;
    }
    i = buf.indexOf(marker, s);
  }
}

function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
}

// ---- WebSocket watchers ---------------------------------------------------------

function wsWatcher(w: number, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let ready = false;
    const open = () => {
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/watch`, {
        perMessageDeflate: false,
        handshakeTimeout: 30_000,
      });
      closers[w] = () => ws.terminate();
      ws.on('open', () => ws.send(plan.request));
      ws.on('message', (data: Buffer) => {
        const now = clock();
        messages++;
        bytes += data.length;
        record(w, data, 0, data.length, now);
        if (!ready) {
          ready = true;
          connected[w] = 1;
          resolve();
        }
      });
      ws.on('error', (e) => error(`ws: ${e.message}`));
      ws.on('close', () => {
        if (stopping) return;
        if (!ready) {
          reject(new Error('ws closed before its snapshot'));
          return;
        }
        // Reconnects get a fresh snapshot, which carries the current change: a late receipt.
        disconnects++;
        setTimeout(open, 200);
      });
    };
    open();
  });
}

// ---- raw HTTP/1.1 connections (long-poll and etcd streams) ------------------------

/** A keep-alive connection that reconnects by itself; `onData` sees every byte received. */
function connection(
  url: string,
  onConnect: (s: net.Socket) => void,
  onData: (d: Buffer, s: net.Socket) => void,
  onLost: () => void,
): () => void {
  const { host, port } = hostPort(url);
  let sock: net.Socket | null = null;
  const open = () => {
    const s = net.connect({ host, port, noDelay: true });
    sock = s;
    s.on('connect', () => onConnect(s));
    s.on('data', (d: Buffer) => onData(d, s));
    s.on('error', (e) => error(`socket: ${e.message}`));
    s.on('close', () => {
      if (stopping || sock !== s) return;
      disconnects++;
      onLost();
      setTimeout(open, 200);
    });
  };
  open();
  return () => {
    sock?.destroy();
  };
}

function longPollWatcher(w: number, url: string): Promise<void> {
  return new Promise((resolve) => {
    const { host, port } = hostPort(url);
    let index = 0;
    let buf: Buffer = Buffer.alloc(0);
    let headLen = -1;
    let need = -1;
    let status = 0;
    let nextIndex = 0;
    let ready = false;
    const ask = (s: net.Socket) => {
      const q = index > 0 ? `?index=${index}&wait=60s` : '';
      s.write(`GET ${plan.request}${q} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`);
    };
    closers[w] = connection(
      url,
      (s) => ask(s),
      (d, s) => {
        buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
        for (;;) {
          if (need < 0) {
            const he = buf.indexOf('\r\n\r\n');
            if (he < 0) return;
            const head = buf.toString('latin1', 0, he);
            status = Number(head.slice(9, 12));
            const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
            const ix = /\r\nx-consul-index: *(\d+)/i.exec(head);
            if (!cl) {
              error(`long-poll: response without Content-Length (status ${status})`);
              s.destroy();
              return;
            }
            nextIndex = ix ? Number(ix[1]) : 0;
            headLen = he + 4;
            need = headLen + Number(cl[1]);
          }
          if (buf.length < need) return;
          const now = clock();
          messages++;
          bytes += need;
          if (status === 200) {
            record(w, buf, headLen, need, now);
            // Consul's rule: an index that goes backwards starts over from 0.
            index = nextIndex < index ? 0 : nextIndex;
            if (!ready) {
              ready = true;
              connected[w] = 1;
              resolve();
            }
          } else {
            error(`long-poll: HTTP ${status}`);
          }
          buf = buf.subarray(need);
          need = -1;
          if (status === 200) ask(s);
          else setTimeout(() => !s.destroyed && ask(s), 1000);
        }
      },
      () => {
        buf = Buffer.alloc(0);
        need = -1;
      },
    );
  });
}

const CREATED = Buffer.from('"created":true');

function etcdWatcher(w: number, url: string): Promise<void> {
  return new Promise((resolve) => {
    const { host, port } = hostPort(url);
    let head = true;
    let carry: Buffer = Buffer.alloc(0);
    let ready = false;
    closers[w] = connection(
      url,
      (s) => {
        s.write(
          `POST /v3/watch HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Type: application/json\r\n` +
            `Content-Length: ${Buffer.byteLength(plan.request)}\r\n\r\n${plan.request}`,
        );
      },
      (d, s) => {
        const now = clock();
        bytes += d.length;
        let buf = carry.length === 0 ? d : Buffer.concat([carry, d]);
        if (head) {
          const he = buf.indexOf('\r\n\r\n');
          if (he < 0) {
            carry = buf;
            return;
          }
          const status = Number(buf.toString('latin1', 9, 12));
          if (status !== 200) {
            error(`etcd watch: HTTP ${status}: ${buf.toString('utf8', he + 4, he + 200)}`);
            s.destroy();
            return;
          }
          head = false;
          buf = buf.subarray(he + 4);
        }
        // One JSON object per line; keep a partial last line for the next read.
        const nl = buf.lastIndexOf(10);
        if (nl < 0) {
          carry = buf;
          return;
        }
        messages++;
        record(w, buf, 0, nl, now);
        if (!ready && buf.indexOf(CREATED) >= 0) {
          ready = true;
          connected[w] = 1;
          resolve();
        }
        carry = Buffer.from(buf.subarray(nl + 1));
      },
      () => {
        head = true;
        carry = Buffer.alloc(0);
      },
    );
  });
}

// ---- the plan -------------------------------------------------------------------

async function connectAll(): Promise<{ ready: number; failed: number }> {
  let next = 0;
  let ready = 0;
  let failed = 0;
  const one = plan.mode === 'ws' ? wsWatcher : plan.mode === 'longpoll' ? longPollWatcher : etcdWatcher;
  const lane = async () => {
    while (next < plan.count && !stopping) {
      const w = next++;
      const url = plan.urls[(plan.first + w) % plan.urls.length] as string;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          one(w, url),
          new Promise<never>((_, rej) => {
            timer = setTimeout(() => rej(new Error('no initial state within 60 s')), 60_000);
          }),
        ]);
        ready++;
      } catch (e) {
        failed++;
        error(`connect: ${(e as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, plan.connectConcurrency) }, lane));
  return { ready, failed };
}

function send(msg: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(msg, undefined, undefined, () => resolve());
  });
}

process.on('message', (raw: unknown) => {
  const msg = raw as ToWorker;
  switch (msg.t) {
    case 'plan': {
      plan = msg.plan;
      stride = plan.changes + 1;
      receipts = new Float64Array(plan.count * stride);
      maxSeq = new Int32Array(plan.count);
      connected = new Uint8Array(plan.count);
      marker = Buffer.from(plan.marker);
      void connectAll().then(({ ready, failed }) => send({ t: 'ready', ready, failed, firstError }));
      return;
    }
    case 'progress': {
      let seen = 0;
      for (let w = 0; w < plan.count; w++) if ((maxSeq[w] as number) >= msg.seq) seen++;
      void send({ t: 'progress', seen });
      return;
    }
    case 'collect': {
      void send({
        t: 'collect',
        receipts,
        connected,
        errors,
        disconnects,
        firstError,
        messages,
        bytes,
      }).then(() => {
        stopping = true;
        for (const close of closers) close?.();
        setTimeout(() => process.exit(0), 100);
      });
      return;
    }
  }
});

// The parent going away (crash, SIGKILL) must not leave this process behind.
process.on('disconnect', () => {
  stopping = true;
  process.exit(0);
});
