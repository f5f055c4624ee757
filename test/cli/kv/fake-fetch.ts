/** A fake fetch for unit tests of the kv client, commands and watch loop. */

/** One scripted answer (or a throw, for a failed connection). */
export type Step = (url: string, init: RequestInit) => Response | Promise<Response>;

/** A fetch that answers from a script, one step per request, and records what was asked. */
export function scripted(steps: Step[]): {
  fetch: typeof globalThis.fetch;
  seen: { url: string; init: RequestInit }[];
} {
  const seen: { url: string; init: RequestInit }[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    seen.push({ url, init: init ?? {} });
    const step = steps.shift();
    if (!step) {
      // Nothing left: hold like a blocking query until the request is aborted.
      return new Promise<Response>((_, reject) => {
        init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    }
    return step(url, init ?? {});
  }) as typeof globalThis.fetch;
  return { fetch, seen };
}

export const json =
  (body: unknown, index: number, status = 200): Step =>
  () =>
    new Response(JSON.stringify(body), { status, headers: { 'X-Consul-Index': String(index) } });

export const missing =
  (index: number): Step =>
  () =>
    new Response(null, { status: 404, headers: { 'X-Consul-Index': String(index) } });

export const refused = (): Step => () => {
  throw new TypeError('fetch failed', {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8500'), { code: 'ECONNREFUSED' }),
  });
};
