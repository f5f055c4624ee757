/**
 * `cairn watch service NAME`: the healthy (or all) instances of a service,
 * printed as a list on the first answer and as added / changed / removed
 * lines after. WebSocket stream first; long-poll when the server has none.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import {
  type CliEnvironment,
  type HttpTarget,
  httpTarget,
  TARGET_USAGE,
  TLS_OPTIONS,
  tokenSetting,
} from '../http-target.js';
import { type CliFetch, httpSide } from '../https.js';
import { runStream, type StreamEvent, StreamUnavailable } from './stream.js';

export const WATCH_USAGE = `usage: cairn watch service NAME [--passing] [--tag TAG] [--http-addr [https://]HOST:PORT] [--token TOKEN]
       [--ca-file FILE] [--client-cert FILE --client-key FILE]
  ${TARGET_USAGE}`;

interface HealthEntry {
  readonly Node: { readonly Node: string; readonly Address: string };
  readonly Service: { readonly ID: string; readonly Address: string; readonly Port?: number };
  readonly Checks: readonly { readonly Status: string }[];
}

export interface ServiceWatch extends HttpTarget {
  readonly name: string;
  readonly passing: boolean;
  readonly tag: string | null;
  readonly token: string | null;
}

export function parseWatchArgs(argv: readonly string[], env: CliEnvironment): ServiceWatch {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    throw new UsageError(`watch: ${(e as Error).message.split('\n')[0]}`);
  }
  const [what, name, ...extra] = parsed.positionals;
  if (what !== 'service') throw new UsageError(`watch: expected "service NAME" (${WATCH_USAGE})`);
  if (!name) throw new UsageError('watch service: a service NAME is required');
  if (extra.length > 0)
    throw new UsageError(`watch service: unexpected argument ${JSON.stringify(extra[0])}`);
  return {
    name,
    passing: parsed.values.passing ?? false,
    tag: parsed.values.tag ?? null,
    ...httpTarget('watch', parsed.values, env),
    token: tokenSetting('watch', parsed.values.token, env),
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      passing: { type: 'boolean' },
      tag: { type: 'string' },
      'http-addr': { type: 'string' },
      token: { type: 'string' },
      ...TLS_OPTIONS,
    },
  });
}

export function describe(e: HealthEntry): string {
  const address = e.Service.Address || e.Node.Address;
  const worst = e.Checks.some((c) => c.Status === 'critical')
    ? 'critical'
    : e.Checks.some((c) => c.Status === 'warning')
      ? 'warning'
      : 'passing';
  return `${e.Node.Node}/${e.Service.ID} ${address}${e.Service.Port ? `:${e.Service.Port}` : ''} ${worst}`;
}

/** Lines for one stream event. */
export function serviceEventLines(e: StreamEvent): string[] {
  if (e.event === 'snapshot') {
    const list = (e.instances as HealthEntry[] | undefined) ?? [];
    return [`${list.length} instance(s) at index ${e.index}`, ...list.map((x) => `  ${describe(x)}`)];
  }
  if (e.event !== 'change') return [];
  const d = e.instances as { added: HealthEntry[]; changed: HealthEntry[]; removed: string[] } | undefined;
  return [
    ...(d?.added ?? []).map((x) => `+ ${describe(x)}`),
    ...(d?.changed ?? []).map((x) => `~ ${describe(x)}`),
    ...(d?.removed ?? []).map((id) => `- ${id}`),
  ];
}

export async function runServiceWatch(
  w: ServiceWatch,
  out: (line: string) => void,
  err: (line: string) => void,
  signal: AbortSignal,
): Promise<number> {
  const http = await httpSide('watch', w);
  try {
    await runStream({
      addr: w.addr,
      baseUrl: w.baseUrl,
      tls: http.tls,
      token: w.token,
      subscription: {
        kind: 'service',
        service: w.name,
        passing: w.passing,
        ...(w.tag ? { tag: w.tag } : {}),
      },
      onEvent: (e) => {
        for (const l of serviceEventLines(e)) out(l);
      },
      onTrouble: err,
      signal,
    });
    return 0;
  } catch (e) {
    if (!(e instanceof StreamUnavailable)) throw e;
  }
  return longPoll(w, http.fetch, out, err, signal);
}

async function longPoll(
  w: ServiceWatch,
  fetch: CliFetch,
  out: (line: string) => void,
  err: (line: string) => void,
  signal: AbortSignal,
): Promise<number> {
  let index = 0;
  let failures = 0;
  while (!signal.aborted) {
    const q = new URLSearchParams();
    if (w.passing) q.set('passing', '1');
    if (w.tag) q.set('tag', w.tag);
    if (index > 0) {
      q.set('index', String(index));
      q.set('wait', '5m');
    }
    try {
      const res = await fetch(`${w.baseUrl}/v1/health/service/${encodeURIComponent(w.name)}?${q}`, {
        headers: w.token ? { 'X-Consul-Token': w.token } : {},
        signal: AbortSignal.any([signal, AbortSignal.timeout(6 * 60_000)]),
      });
      const next = Number(res.headers.get('x-consul-index') ?? '0');
      const list = (await res.json()) as HealthEntry[];
      failures = 0;
      if (next < index) index = 0;
      else if (next !== index) {
        index = next;
        out(`${list.length} instance(s) at index ${index}`);
        for (const x of list) out(`  ${describe(x)}`);
      }
    } catch (e) {
      if (signal.aborted) break;
      failures++;
      err(`cairn: watch: ${(e as Error).message}; retrying`);
      await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** Math.min(failures - 1, 6))));
    }
  }
  return 0;
}
