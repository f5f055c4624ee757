import { type Agent, request } from 'node:http';

export interface Answer {
  /** -1: no answer (an error or the timeout). */
  readonly status: number;
  readonly text: string;
  /** The request went out on a kept-alive connection rather than a new one. */
  readonly reused?: boolean;
}

/** One HTTP request from `localAddress` (on `agent`'s connections, or a new one), never rejecting. */
export function call(
  url: string,
  localAddress: string,
  timeoutMs: number,
  method = 'GET',
  body?: string,
  agent?: Agent,
): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(url, { method, agent: agent ?? false, localAddress, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, reused: req.reusedSocket }));
      res.on('error', () => resolve({ status: -1, text: '' }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: -1, text: String(e), reused: req.reusedSocket }));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export const get = (url: string, localAddress: string, timeoutMs: number, agent?: Agent): Promise<Answer> =>
  call(url, localAddress, timeoutMs, 'GET', undefined, agent);
