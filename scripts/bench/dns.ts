import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentArgv, freePorts, waitUntil } from '../../cluster/index.js';
import {
  dataset,
  namedConf,
  type PerfResult,
  parseDnsperf,
  queryFile,
  registration,
  zoneFile,
} from './dns-zone.js';
import { benchOutput, parseFlags, stopOnSignals } from './support/index.js';

/**
 * `npm run bench:dns`: dnsperf against one `cairn agent --dev` for --seconds (20) with SRV and A
 * queries over --services (100) services, then the same queries against BIND 9 (`named`) serving an
 * equivalent static zone on another loopback port. One JSON line per server, then one comparing
 * them (goal: cairn at least half of BIND's queries/s, no lost queries). Installs dnsperf and BIND
 * with apt-get when they are missing.
 */
const { progress, fail } = benchOutput('bench:dns');

const values = parseFlags(
  {
    seconds: { type: 'string', default: '20' },
    services: { type: 'string', default: '100' },
    instances: { type: 'string', default: '3' },
    /** dnsperf -q: queries in flight. */
    outstanding: { type: 'string', default: '100' },
    /** dnsperf -c: client sockets. */
    clients: { type: 'string', default: '1' },
    /** Unmeasured run before each measured one (JIT warm-up for cairn; the same for BIND). */
    warmup: { type: 'string', default: '2' },
    only: { type: 'string', default: 'cairn,bind' },
    /** Write a V8 CPU profile of the cairn agent into this directory. */
    profile: { type: 'string' },
  },
  fail,
);
const seconds = Number(values.seconds);
const services = Number(values.services);
const instances = Number(values.instances);
const outstanding = Number(values.outstanding);
const clients = Number(values.clients);
const warmup = Number(values.warmup);
const only = new Set((values.only ?? '').split(','));
if (![seconds, services, instances, outstanding, clients].every((n) => Number.isInteger(n) && n > 0))
  fail('--seconds, --services, --instances, --outstanding and --clients must be positive integers', 2);
if (!Number.isInteger(warmup) || warmup < 0) fail('--warmup must be a whole number of seconds', 2);

const DOMAIN = 'cairn';
// This file runs as dist/scripts/bench/dns.js: the CLI is dist/src/cli/main.js.
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(dist, 'src', 'cli', 'main.js');

// ---- tools ------------------------------------------------------------------------------

function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    const r = spawnSync('test', ['-x', join(dir, cmd)]);
    if (r.status === 0) return join(dir, cmd);
  }
  return null;
}

/** dnsperf, named (BIND 9) and dig, from Debian's packages when missing. */
function ensureTools(): { dnsperf: string; named: string; dig: string } {
  const want: [string, string][] = [
    ['dnsperf', 'dnsperf'],
    ['named', 'bind9'],
    ['dig', 'bind9-dnsutils'],
  ];
  const missing = want.filter(([cmd]) => which(cmd) === null).map(([, pkg]) => pkg);
  if (missing.length > 0) {
    progress(`installing ${missing.join(' ')} with apt-get`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () =>
      spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
        env,
        stdio: 'ignore',
      });
    if (install().status !== 0) {
      progress('apt-get update');
      execFileSync('apt-get', ['update', '-qq'], { env, stdio: 'inherit' });
      execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
        env,
        stdio: 'inherit',
      });
    }
  }
  const found = Object.fromEntries(want.map(([cmd]) => [cmd, which(cmd)]));
  for (const [cmd, path] of Object.entries(found)) {
    if (path === null) throw new Error(`${cmd} is not installed and could not be installed`);
  }
  return found as { dnsperf: string; named: string; dig: string };
}

// ---- processes we start, stopped by their own PID ----------------------------------------

const children: ChildProcess[] = [];
/** Set once stopping began: the run may still be on its way to start something, which must not outlive us. */
let stopping = false;

function start(cmd: string, args: readonly string[], log: string): ChildProcess {
  if (stopping) throw new Error(`not starting ${cmd}: the benchmark is stopping`);
  const out = createWriteStream(log, { flags: 'a' });
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  p.stdout?.pipe(out, { end: false });
  p.stderr?.pipe(out, { end: false });
  children.push(p);
  return p;
}

async function stopAll(): Promise<void> {
  stopping = true;
  await Promise.all(
    children.map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.exitCode !== null || p.signalCode !== null) return resolve();
          p.once('exit', () => resolve());
          p.kill('SIGTERM');
          setTimeout(() => p.kill('SIGKILL'), 5_000).unref();
        }),
    ),
  );
}

// ---- queries -----------------------------------------------------------------------------

function dig(
  tool: string,
  port: number,
  name: string,
  type: string,
): { answers: number; additionals: number } {
  const out = execFileSync(tool, ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=2', name, type], {
    encoding: 'utf8',
  });
  const count = (what: string) => Number(new RegExp(`${what}: (\\d+)`).exec(out)?.[1] ?? -1);
  if (!/status: NOERROR/.test(out)) throw new Error(`dig ${name} ${type} on port ${port}:\n${out}`);
  return { answers: count('ANSWER'), additionals: count('ADDITIONAL') };
}

function dnsperf(tool: string, port: number, file: string, secs: number): PerfResult {
  const args = ['-s', '127.0.0.1', '-p', String(port), '-d', file, '-l', String(secs)];
  args.push('-c', String(clients), '-q', String(outstanding), '-t', '5');
  const r = spawnSync(tool, args, { encoding: 'utf8', timeout: (secs + 30) * 1000 });
  if (r.status !== 0) throw new Error(`dnsperf failed (${r.status}): ${r.stderr}${r.stdout}`);
  return parseDnsperf(r.stdout);
}

/** Both servers must give the same answer shape before their speeds mean anything. */
function sameAnswers(tool: string, port: number): { srv: number; srv_additionals: number; a: number } {
  const srv = dig(tool, port, `svc-7.service.${DOMAIN}`, 'SRV');
  const a = dig(tool, port, `svc-7.service.${DOMAIN}`, 'A');
  // dig counts the OPT pseudo-record among the additionals.
  return { srv: srv.answers, srv_additionals: srv.additionals - 1, a: a.answers };
}

// ---- the run -----------------------------------------------------------------------------

const tools = ensureTools();
const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-dns-'));
stopOnSignals(() => stopAll().finally(() => rmSync(dir, { recursive: true, force: true })));

const results: Record<string, PerfResult & { answers: ReturnType<typeof sameAnswers> }> = {};
try {
  const data = dataset(services, instances);
  const queries = join(dir, 'queries.txt');
  writeFileSync(queries, queryFile(DOMAIN, services));
  const common = {
    bench: 'dns',
    seconds,
    services,
    instances_per_service: instances,
    queries: 'SRV + A, alternating over every service',
    dnsperf: { clients, outstanding, timeout_s: 5, edns: false },
  };
  const measure = (server: string, port: number, extra: Record<string, unknown>) => {
    const answers = sameAnswers(tools.dig, port);
    if (answers.srv !== instances || answers.a !== instances || answers.srv_additionals !== instances) {
      throw new Error(`${server} answers svc-7 differently than expected: ${JSON.stringify(answers)}`);
    }
    if (warmup > 0) dnsperf(tools.dnsperf, port, queries, warmup);
    progress(`dnsperf against ${server} for ${seconds} s...`);
    const r = dnsperf(tools.dnsperf, port, queries, seconds);
    results[server] = { ...r, answers };
    console.log(JSON.stringify({ ...common, server, ...extra, ...r, answers }));
  };

  if (only.has('cairn')) {
    const [httpPort, serverPort, dnsPort] = (await freePorts(3)) as [number, number, number];
    const data_dir = join(dir, 'cairn');
    mkdirSync(data_dir);
    const nodeArgs = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [];
    const agent = start(
      process.execPath,
      [
        ...nodeArgs,
        CLI,
        'agent',
        ...agentArgv({ dev: true, dataDir: data_dir, httpPort, serverPort, dnsPort, logLevel: 'warn' }),
      ],
      join(dir, 'cairn.log'),
    );
    const url = `http://127.0.0.1:${httpPort}`;
    await waitUntil('cairn to lead', async () => {
      if (agent.exitCode !== null) throw new Error(`cairn exited ${agent.exitCode}; log in ${dir}`);
      const r = await fetch(`${url}/v1/status/leader`);
      return (await r.json()) === `127.0.0.1:${serverPort}` ? true : undefined;
    });
    progress(`cairn pid ${agent.pid}: registering ${data.length} instances of ${services} services`);
    for (let i = 0; i < data.length; i += 32) {
      await Promise.all(
        data.slice(i, i + 32).map(async (inst) => {
          const r = await fetch(`${url}/v1/catalog/register`, {
            method: 'PUT',
            body: JSON.stringify(registration(inst)),
          });
          if (r.status !== 200) throw new Error(`register ${inst.id}: ${r.status} ${await r.text()}`);
        }),
      );
    }
    measure('cairn', dnsPort, { pid: agent.pid });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const dropped = [...metrics.matchAll(/cairn_dns_queries_total\{[^}]*rcode="DROPPED"\} (\d+)/g)];
    if (dropped.length > 0) progress(`cairn dropped ${dropped.map((m) => m[1]).join('+')} datagrams`);
  }

  if (only.has('bind')) {
    const [port] = (await freePorts(1)) as [number];
    const zdir = join(dir, 'bind');
    mkdirSync(zdir);
    writeFileSync(join(zdir, `${DOMAIN}.zone`), zoneFile(DOMAIN, data));
    writeFileSync(join(zdir, 'named.conf'), namedConf(zdir, port, DOMAIN));
    const named = start(tools.named, ['-g', '-c', join(zdir, 'named.conf')], join(dir, 'named.log'));
    await waitUntil('named to serve the zone', async () => {
      if (named.exitCode !== null) throw new Error(`named exited ${named.exitCode}; log in ${dir}/named.log`);
      try {
        dig(tools.dig, port, DOMAIN, 'SOA');
        return true;
      } catch {
        return undefined;
      }
    });
    const version = spawnSync(tools.named, ['-v'], { encoding: 'utf8' }).stdout.trim();
    measure('bind', port, { pid: named.pid, version });
  }

  const c = results.cairn;
  const b = results.bind;
  if (c && b) {
    const ratio = Number((c.qps / b.qps).toFixed(3));
    console.log(
      JSON.stringify({
        bench: 'dns',
        compare: 'cairn / bind',
        qps_ratio: ratio,
        cairn_qps: c.qps,
        bind_qps: b.qps,
        cairn_lost: c.lost,
        goal: 'qps_ratio >= 0.5 and cairn_lost == 0',
        met: ratio >= 0.5 && c.lost === 0,
      }),
    );
  }
} finally {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
}
