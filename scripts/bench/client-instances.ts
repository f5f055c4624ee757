/**
 * Worker thread of `npm run bench:client`: `count` HTTP instances on loopback that answer
 * every request with their index, off the main thread so the client under test has a core
 * to itself. Posts the list of ports once all listen.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

const { count } = workerData as { count: number };

const ports = await Promise.all(
  Array.from(
    { length: count },
    (_, i) =>
      new Promise<number>((resolve) => {
        const body = Buffer.from(String(i));
        const server = createServer((_req, res) => {
          res.setHeader('content-length', body.length);
          res.end(body);
        });
        server.keepAliveTimeout = 60_000;
        server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
      }),
  ),
);
parentPort?.postMessage(ports);
