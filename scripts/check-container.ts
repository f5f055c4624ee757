import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, waitUntil } from '../cluster/index.js';
import {
  execForm,
  healthcheckCommand,
  instructionsOf,
  parseDockerfile,
  type Stage,
} from './container/dockerfile.js';

/**
 * `npm run check:container`: the Dockerfile's steps without a Docker engine. In a temporary
 * directory: a `git archive` of HEAD (committed files only, like a clean build context), the build
 * stage's RUN lines as written (`npm ci`, `npm run build`, from the local npm cache), then in a
 * second directory the runtime stage's `npm ci --omit=dev` and the compiled dist/src copied as the
 * Dockerfile copies it. That copy must answer `version` and run the image's CMD (on free loopback
 * ports, a temporary data directory) until the HEALTHCHECK command passes. What is not run: the
 * base image, the user and directory creation (root on this machine) and `npm cache clean` (it
 * would empty this machine's shared cache). Takes over a minute, so it is not part of `npm test`.
 * Exits 0 when every step passed, 1 with the step that failed.
 */

const started = Date.now();
const say = (line: string) => process.stderr.write(`check:container: ${line}\n`);
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

class StepFailed extends Error {}

function must(what: string, r: SpawnSyncReturns<string>): string {
  if (r.error) throw new StepFailed(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new StepFailed(`${what}: exit ${r.status}\n${r.stdout}${r.stderr}`.trimEnd());
  return r.stdout;
}

/** A shell step as the Dockerfile writes it; npm reads only the local cache (no network). */
function run(what: string, command: string, cwd: string): void {
  const t0 = Date.now();
  must(
    what,
    spawnSync('bash', ['-c', command], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false' },
      maxBuffer: 64 * 1024 * 1024,
    }),
  );
  say(`${what}: ok (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

function stageNamed(stages: readonly Stage[], name: string | null, index: number): Stage {
  const s = name === null ? stages[index] : stages.find((x) => x.name === name);
  if (s === undefined) throw new StepFailed(`Dockerfile: no stage ${name ?? `#${index + 1}`}`);
  return s;
}

/** Replaces the value after `flag` in an argument list, or appends the flag. */
function withFlag(args: readonly string[], flag: string, value: string): string[] {
  const i = args.indexOf(flag);
  if (i === -1) return [...args, flag, value];
  const out = [...args];
  out[i + 1] = value;
  return out;
}

async function check(root: string): Promise<void> {
  const context = join(root, 'build');
  const app = join(root, 'app');
  const data = join(root, 'data');
  mkdirSync(context);
  mkdirSync(app);
  mkdirSync(data);

  const repo = must(
    'git rev-parse',
    spawnSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }),
  ).trim();
  must(
    'git archive HEAD',
    spawnSync('bash', ['-c', `git -C "${repo}" archive --format=tar HEAD | tar -x -C "${context}"`], {
      encoding: 'utf8',
    }),
  );
  say(`git archive of HEAD: ok`);

  const stages = parseDockerfile(readFileSync(join(context, 'Dockerfile'), 'utf8'));
  const build = stageNamed(stages, 'build', 0);
  const runtime = stageNamed(stages, null, stages.length - 1);

  // The build stage: every RUN as written, in order (its COPYs bring in the whole context).
  for (const step of instructionsOf(build, 'RUN')) run(`build stage RUN ${step.args}`, step.args, context);

  // The runtime stage: package files, the production install, the compiled server.
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(context, f), join(app, f));
  const install = instructionsOf(runtime, 'RUN')[0]?.args.split('&&')[0]?.trim() ?? '';
  if (!install.startsWith('npm ci --omit=dev'))
    throw new StepFailed(
      `runtime stage: its first RUN should start with npm ci --omit=dev, not "${install}"`,
    );
  run(`runtime stage RUN ${install}`, install, app);
  const copy = instructionsOf(runtime, 'COPY').find((c) => c.args.startsWith('--from=build '));
  const [, from, to] = copy?.args.split(/\s+/) ?? [];
  if (from === undefined || to === undefined) throw new StepFailed('runtime stage: no COPY --from=build');
  cpSync(join(context, from.replace(/^\/build\/?/, '')), join(app, to), { recursive: true });
  say(`runtime stage COPY ${copy?.args}: ok`);
  for (const dev of ['typescript', 'vitest', '@biomejs/biome'])
    if (existsSync(join(app, 'node_modules', dev)))
      throw new StepFailed(`runtime stage: dev dependency ${dev} was installed`);

  const entry = execForm(instructionsOf(runtime, 'ENTRYPOINT').at(-1)?.args ?? '');
  const cmd = execForm(instructionsOf(runtime, 'CMD').at(-1)?.args ?? '');
  if (entry?.[0] !== 'node' || entry[1] === undefined || cmd === null)
    throw new StepFailed('runtime stage: ENTRYPOINT ["node", SCRIPT] and an exec-form CMD expected');
  const script = join(app, entry[1].replace(/^\/app\/?/, ''));

  const version = must('version', spawnSync(process.execPath, [script, 'version'], { encoding: 'utf8' }));
  say(`node ${entry[1]} version: ${version.trim()}`);

  // The image's CMD, on loopback and free ports here.
  const [http, dns, server] = (await freePorts(3)) as [number, number, number];
  let args = withFlag(cmd, '--data-dir', data);
  args = withFlag(args, '--client', '127.0.0.1');
  args = withFlag(
    withFlag(withFlag(args, '--http-port', String(http)), '--dns-port', String(dns)),
    '--server-port',
    String(server),
  );
  say(`starting the image's CMD: ${cmd.join(' ')} (on 127.0.0.1, HTTP port ${http})`);
  const agent = spawn(process.execPath, [script, ...args], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  agent.stdout.on('data', (b: Buffer) => (output += b.toString()));
  agent.stderr.on('data', (b: Buffer) => (output += b.toString()));
  try {
    const health = healthcheckCommand(instructionsOf(runtime, 'HEALTHCHECK').at(-1)?.args ?? '');
    if (health?.[0] !== 'node') throw new StepFailed('runtime stage: HEALTHCHECK CMD ["node", ...] expected');
    const probe = (port: number) =>
      spawnSync(
        process.execPath,
        health.slice(1).map((a) => a.replace('127.0.0.1:8500', `127.0.0.1:${port}`)),
        {
          encoding: 'utf8',
          timeout: 10_000,
        },
      ).status;
    await waitUntil(
      'the HEALTHCHECK command to pass',
      () => {
        if (agent.exitCode !== null) throw new StepFailed(`the agent exited (${agent.exitCode}):\n${output}`);
        return probe(http) === 0 ? true : undefined;
      },
      60_000,
      250,
    );
    say('HEALTHCHECK passes once the server leads');
    // The check must also be able to fail: where nothing listens it exits non-zero.
    const [closed] = (await freePorts(1)) as [number];
    if (probe(closed) === 0) throw new StepFailed('the HEALTHCHECK command passed with no server');
    say('HEALTHCHECK fails where no server listens');
  } finally {
    if (agent.exitCode === null) {
      const exited = new Promise((r) => agent.once('exit', r));
      agent.kill('SIGTERM');
      await exited;
    }
  }
  if (agent.exitCode !== 0)
    throw new StepFailed(`the agent did not stop cleanly on SIGTERM (${agent.exitCode}):\n${output}`);
  say('the agent stopped on SIGTERM with status 0');
}

const root = mkdtempSync(join(tmpdir(), 'cairn-container-'));
check(root).then(
  () => {
    rmSync(root, { recursive: true, force: true });
    say(`every step passed in ${elapsed()} (the image itself is not built: no Docker engine here)`);
  },
  (e: unknown) => {
    rmSync(root, { recursive: true, force: true });
    say(
      `FAILED after ${elapsed()}: ${e instanceof StepFailed ? e.message : e instanceof Error ? e.stack : String(e)}`,
    );
    process.exitCode = 1;
  },
);
