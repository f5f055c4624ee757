/**
 * The workloads' HTTP client: node:http with keep-alive, a hard timeout per
 * request, and errors sorted by what they say about the request's fate.
 */
import { Agent, request } from 'node:http';

export type Reply =
  | { readonly kind: 'http'; readonly status: number; readonly text: string }
  /** The connection was refused: the request surely never reached a server. */
  | { readonly kind: 'refused'; readonly error: string }
  /** No answer in time: the request may have been served. */
  | { readonly kind: 'timeout'; readonly error: string }
  /** The connection broke after it was made: the request may have been served. */
  | { readonly kind: 'broken'; readonly error: string };

export class HttpClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16 });

  request(url: string, method: string, body: string | undefined, timeoutMs: number): Promise<Reply> {
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: Reply) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const req = request(url, {
        method,
        agent: this.agent,
        headers: body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {},
      });
      const timer = setTimeout(() => {
        done({ kind: 'timeout', error: `no answer in ${timeoutMs} ms` });
        req.destroy();
      }, timeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ECONNREFUSED') done({ kind: 'refused', error: 'connection refused' });
        else done({ kind: 'broken', error: e.code ?? e.message });
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e: NodeJS.ErrnoException) => done({ kind: 'broken', error: e.code ?? e.message }));
        res.on('end', () =>
          done({ kind: 'http', status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * A write's fate from its reply: 2xx ok; 4xx, a refused connection and
 * 500 "No cluster leader" (cairn's contract: the command was never
 * proposed) surely not applied; every other answer (503, timeouts, broken
 * connections) unknown.
 */
export function writeOutcome(r: Reply): 'ok' | 'fail' | 'unknown' {
  if (r.kind === 'refused') return 'fail';
  if (r.kind !== 'http') return 'unknown';
  if (r.status >= 200 && r.status < 300) return 'ok';
  if (r.status >= 400 && r.status < 500) return 'fail';
  if (r.status === 500 && r.text.includes('No cluster leader')) return 'fail';
  return 'unknown';
}

export function describeReply(r: Reply): string {
  return r.kind === 'http' ? `${r.status} ${r.text.slice(0, 120)}` : `${r.kind}: ${r.error}`;
}
