/**
 * The floor for `npm run bench:watch`: a bare server that speaks just enough
 * of cairn's watch protocol for the benchmark's watchers (one KV key), with no
 * registry behind it. A PUT of `/v1/kv/bench/watched` changes the value,
 * answers `true`, then (on the next turn, as cairn's watch hub does) sends
 * one pre-built text frame to every WebSocket subscriber and answers every
 * held blocking GET with one pre-built body. What it costs per change is the
 * price of the sockets themselves (the `ws` package and Node's `http` on this
 * machine), to read cairn's figures against.
 *
 *   node dist/scripts/bench/watch-bare.js PORT    (prints "ready" once listening)
 */
import http from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';

const port = Number(process.argv[2]);
const KEY = 'bench/watched';
let index = 1;
let value = 'seq-0';
const sockets = new Set<WebSocket>();
const waiters = new Set<http.ServerResponse>();

const entry = () =>
  `{"LockIndex":0,"Key":"${KEY}","Flags":0,"Value":"${Buffer.from(value).toString('base64')}","CreateIndex":1,"ModifyIndex":${index}}`;

function answer(res: http.ServerResponse, body: string): void {
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-consul-index': String(index),
  });
  res.end(body);
}

function fanOut(): void {
  const text = `{"id":"a","event":"change","index":${index},"prevIndex":${index - 1},"kv":{"put":[${entry()}],"delete":[]}}`;
  for (const s of sockets) s.send(text);
  const body = `[${entry()}]`;
  const held = [...waiters];
  waiters.clear();
  for (const res of held) answer(res, body);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname !== `/v1/kv/${KEY}`) {
    res.writeHead(404).end();
    return;
  }
  if (req.method === 'PUT') {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      body += d;
    });
    req.on('end', () => {
      value = body;
      index++;
      res.end('true');
      setImmediate(fanOut);
    });
    return;
  }
  const after = Number(url.searchParams.get('index') ?? '0');
  if (!(after > 0) || after < index) {
    answer(res, `[${entry()}]`);
    return;
  }
  waiters.add(res);
  const timer = setTimeout(() => {
    if (waiters.delete(res)) answer(res, `[${entry()}]`);
  }, 60_000);
  res.once('close', () => {
    clearTimeout(timer);
    waiters.delete(res);
  });
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;
server.requestTimeout = 0;

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    sockets.add(ws);
    ws.on('message', () =>
      ws.send(`{"id":"a","event":"snapshot","index":${index},"reset":false,"kv":[${entry()}]}`),
    );
    ws.on('close', () => sockets.delete(ws));
    ws.on('error', () => {});
  });
});

server.listen({ host: '127.0.0.1', port, backlog: 511 }, () => process.stdout.write('ready\n'));
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(0));
