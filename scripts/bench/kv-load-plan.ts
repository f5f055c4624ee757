/**
 * What `kv-load.ts` sends, as plain data: the same Consul-style KV requests as the shared harness's
 * loadgen.mjs (its kv-* targets), so figures from either generator mean the same load.
 */

export const KV_TARGETS = ['kv-put', 'kv-get', 'kv-get-stale'] as const;
export type KvTarget = (typeof KV_TARGETS)[number];

export const isKvTarget = (s: string): s is KvTarget => (KV_TARGETS as readonly string[]).includes(s);

export interface KvRequest {
  readonly method: 'GET' | 'PUT';
  readonly path: string;
  readonly body?: string;
}

/** Reads go to these many keys only, all written before the run (as loadgen.mjs does). */
export const READ_KEYS = 100;

/** The request for random key number `k`. */
export function kvRequest(target: KvTarget, k: number, value: string): KvRequest {
  switch (target) {
    case 'kv-put':
      return { method: 'PUT', path: `/v1/kv/bench/${k}`, body: value };
    case 'kv-get':
      return { method: 'GET', path: `/v1/kv/bench/${k % READ_KEYS}` };
    case 'kv-get-stale':
      return { method: 'GET', path: `/v1/kv/bench/${k % READ_KEYS}?stale` };
  }
}

/** What must be written before a run of `target`, so every read finds its key. */
export function seedRequests(target: KvTarget, value: string): KvRequest[] {
  if (target === 'kv-put') return [];
  return Array.from({ length: READ_KEYS }, (_, k) => kvRequest('kv-put', k, value));
}

export interface KvLoadPlan {
  readonly target: KvTarget;
  readonly urls: readonly URL[];
  readonly concurrency: number;
  readonly seconds: number;
  readonly keys: number;
  readonly valueBytes: number;
  /** PEM files for HTTPS: the CA to trust, and the client certificate and key to present. */
  /** For https: the CA, and the client certificate and key when the servers ask for one. */
  readonly tls: { readonly ca: string; readonly cert: string | null; readonly key: string | null } | null;
}

/** The generator's flags as parsed strings; absent ones are undefined. */
export type KvLoadFlags = Readonly<Record<string, string | undefined>>;

const positive = (v: string | undefined, name: string): number => {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n <= 0)
    throw new Error(`--${name} must be a positive integer, got "${v ?? ''}"`);
  return n;
};

/**
 * The plan the flags describe, or an Error naming the first bad flag. URLs are all http: or all
 * https:, and https: needs --ca, and --cert with --key when the servers verify client certificates.
 */
export function kvLoadPlan(f: KvLoadFlags): KvLoadPlan {
  const target = f.target ?? '';
  if (!isKvTarget(target))
    throw new Error(`--target must be one of ${KV_TARGETS.join(', ')}, got "${target}"`);
  const urls = (f.urls ?? '')
    .split(',')
    .filter((u) => u !== '')
    .map((u) => {
      let url: URL;
      try {
        url = new URL(u);
      } catch {
        throw new Error(`--urls: "${u}" is not a URL`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new Error(`--urls: "${u}" is neither http: nor https:`);
      return url;
    });
  if (urls.length === 0) throw new Error('--urls: give at least one URL');
  const https = urls.filter((u) => u.protocol === 'https:').length;
  if (https !== 0 && https !== urls.length) throw new Error('--urls: all http: or all https:, not both');
  const has = (x: string | undefined) => x !== undefined && x !== '';
  const given = [f.ca, f.cert, f.key].filter(has).length;
  if (https === 0 && given > 0) throw new Error('--ca, --cert and --key are for https: URLs only');
  if (https > 0 && !has(f.ca)) throw new Error('--urls: https: needs --ca');
  if (has(f.cert) !== has(f.key)) throw new Error('--cert and --key go together');
  return {
    target,
    urls,
    concurrency: positive(f.concurrency, 'concurrency'),
    seconds: positive(f.seconds, 'seconds'),
    keys: positive(f.keys, 'keys'),
    valueBytes: positive(f['value-bytes'], 'value-bytes'),
    tls:
      https > 0
        ? {
            ca: f.ca ?? '',
            cert: has(f.cert) ? (f.cert ?? null) : null,
            key: has(f.key) ? (f.key ?? null) : null,
          }
        : null,
  };
}
