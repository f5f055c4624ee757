/**
 * A resumable subscription to GET /v1/watch (the WebSocket watch stream):
 * reconnects with capped backoff and resumes from the last index it saw, so
 * no change is lost across server restarts. Throws `StreamUnavailable` when
 * the very first connection is refused by a server without the endpoint,
 * so the caller can fall back to long-polling.
 */
import WebSocket from 'ws';
import { isTlsError } from '../../client/index.js';
import { shortTlsMessage, type TlsSocketOptions } from '../https.js';

export interface StreamEvent {
  readonly event: 'snapshot' | 'change' | 'error' | string;
  readonly index?: number;
  readonly prevIndex?: number;
  readonly reset?: boolean;
  readonly error?: string;
  readonly [field: string]: unknown;
}

export class StreamUnavailable extends Error {}

/** The first connection failed its TLS handshake: a certificate problem, which retrying will not mend. */
export class StreamTlsFailure extends Error {}

export interface StreamOptions {
  /** host:port of the server's HTTP API, for messages. */
  readonly addr: string;
  /** http://host:port or https://host:port (the stream is ws:// or wss://). */
  readonly baseUrl: string;
  /** For wss: the CA and a client certificate. */
  readonly tls?: TlsSocketOptions;
  readonly token: string | null;
  /** The subscription, without `op`, `id` and `index` (those are added here). */
  readonly subscription: Readonly<Record<string, unknown>>;
  readonly onEvent: (e: StreamEvent) => void;
  /** One line, for connection trouble. */
  readonly onTrouble: (line: string) => void;
  readonly signal: AbortSignal;
}

export async function runStream(opts: StreamOptions): Promise<void> {
  let index: number | null = null;
  let failures = 0;
  let everConnected = false;
  while (!opts.signal.aborted) {
    const outcome = await session(opts, index, (i) => {
      index = i;
      everConnected = true;
      failures = 0;
    });
    if (opts.signal.aborted) return;
    if (outcome.kind === 'unavailable' && !everConnected) throw new StreamUnavailable(outcome.reason);
    if (outcome.kind === 'fatal') throw new Error(outcome.reason);
    if (outcome.kind === 'tls') throw new StreamTlsFailure(outcome.reason);
    failures++;
    opts.onTrouble(`cairn: watch stream to ${opts.addr} lost (${outcome.reason}); reconnecting`);
    await sleep(Math.min(30_000, 500 * 2 ** Math.min(failures - 1, 6)), opts.signal);
  }
}

type Outcome = { kind: 'closed' | 'unavailable' | 'fatal' | 'tls'; reason: string };

function session(
  opts: StreamOptions,
  resumeFrom: number | null,
  seen: (index: number) => void,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${opts.baseUrl.replace(/^http/, 'ws')}/v1/watch`, {
      headers: opts.token ? { 'X-Consul-Token': opts.token } : {},
      handshakeTimeout: 10_000,
      ...opts.tls,
    });
    let done = false;
    const finish = (o: Outcome) => {
      if (done) return;
      done = true;
      opts.signal.removeEventListener('abort', abort);
      ws.terminate();
      resolve(o);
    };
    const abort = () => finish({ kind: 'closed', reason: 'stopped' });
    opts.signal.addEventListener('abort', abort);
    ws.on('unexpected-response', (_req, res) => {
      finish({
        kind: res.statusCode === 404 ? 'unavailable' : 'closed',
        reason: `HTTP ${res.statusCode} on upgrade`,
      });
    });
    ws.on('open', () => {
      ws.send(
        JSON.stringify({
          op: 'subscribe',
          id: 'w',
          ...opts.subscription,
          ...(resumeFrom !== null ? { index: resumeFrom } : {}),
        }),
      );
    });
    ws.on('message', (data) => {
      let e: StreamEvent;
      try {
        e = JSON.parse(data.toString()) as StreamEvent;
      } catch {
        return;
      }
      if (e.event === 'error')
        return finish({ kind: 'fatal', reason: `the server refused the subscription: ${e.error}` });
      if (typeof e.index === 'number') seen(e.index);
      opts.onEvent(e);
    });
    ws.on('error', (err) => {
      // A certificate that is refused now will be refused by the long polls too: give up at once.
      if (isTlsError(err) && resumeFrom === null) {
        return finish({
          kind: 'tls',
          reason: `cannot reach ${opts.addr}: TLS: ${shortTlsMessage(err.message)}`,
        });
      }
      finish({ kind: resumeFrom === null ? 'unavailable' : 'closed', reason: err.message });
    });
    ws.on('close', (code, why) =>
      finish({ kind: 'closed', reason: `closed ${code}${why.length ? `: ${why}` : ''}` }),
    );
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
