import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../cluster/index.js';
import { DevAgent } from '../support/agent.js';
import { repoRoot } from '../support/processes.js';
import { type Fence, parseFences, type RunFence, rewritePorts, unmetExpectation } from './fences.js';
import { ExampleEnv } from './run.js';

/**
 * Every shell and JavaScript example of the documentation runs, in order per file, against one
 * dev agent on free loopback ports; each must exit 0 and show what its `-> ` comments say.
 * Examples that cannot run here are marked `norun: <reason>` in the markdown; a fence this test
 * cannot classify fails it, so an example cannot drift out of the docs' checks unnoticed.
 */

const DOC_FILES = [
  'README.md',
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
  'src/client/README.md',
  'src/raft/README.md',
  'CONTRIBUTING.md',
];

/** Not a timing assertion: only how long a stuck example may hold the run before it is a failure. */
const STALL_MS = 90_000;

const fencesByFile = new Map<string, Fence[]>(
  DOC_FILES.map((f) => [f, parseFences(f, readFileSync(join(repoRoot, f), 'utf8'))]),
);
const all = [...fencesByFile.values()].flat();

describe('documentation fences', () => {
  it('are all classified: run, norun with a reason, or data', () => {
    const bad = all.flatMap((f) => (f.kind === 'bad' ? [`${f.file}:${f.line}: ${f.problem}`] : []));
    expect(bad).toEqual([]);
    const count = (k: Fence['kind']) => all.filter((f) => f.kind === k).length;
    // One line in the log, so a reader of CI output sees how much of the docs is checked.
    console.log(
      `docs examples: ${count('run')} run, ${count('norun')} marked norun, ${count('data')} data blocks, in ${DOC_FILES.length} files`,
    );
    expect(count('run')).toBeGreaterThan(0);
  });
});

describe('examples marked norun', () => {
  // They cannot run here, but they can still be valid shell.
  for (const fence of all) {
    if (fence.kind !== 'norun' || fence.language !== 'sh') continue;
    it(`${fence.file}:${fence.line} parses (bash -n)`, () => {
      const r = spawnSync('bash', ['-n'], { input: fence.body, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    });
  }
});

describe('documentation examples', () => {
  let agent: DevAgent;
  let env: ExampleEnv;
  let ports: Map<number, number>;

  beforeAll(async () => {
    agent = await DevAgent.start();
    const [spare1, spare2, service] = (await freePorts(3)) as [number, number, number];
    // 8501/8502 (the SDK examples' other servers) stay closed: the client must get past them.
    ports = new Map([
      [8500, agent.httpPort],
      [8600, agent.dnsPort],
      [8300, agent.serverPort],
      [8501, spare1],
      [8502, spare2],
      [8080, service],
    ]);
    env = new ExampleEnv(agent.httpPort);
    // Examples use small literal indexes (`?index=42&wait=...`), as on any server that has been
    // running a while: without this they would block for their whole wait on a fresh agent.
    for (let i = 0; i < 50; i++) await agent.put('/v1/kv/docs-test/warm-up', String(i));
  });

  afterAll(async () => {
    await env?.close();
    await agent?.stop();
  });

  for (const [file, fences] of fencesByFile) {
    const runnable = fences.filter((f): f is RunFence => f.kind === 'run');
    if (runnable.length === 0) continue;
    describe(file, () => {
      afterAll(() => env.stopBackground());
      for (const fence of runnable) {
        const label = `${file}:${fence.line} ${fence.language}${fence.readyText ? ' (background)' : ''}`;
        it(label, async () => {
          const body = rewritePorts(fence.body, ports);
          const expectations = fence.expectations.map((e) => rewritePorts(e, ports));
          if (fence.readyText !== null) {
            const started = await env.start(fence, body, STALL_MS);
            expect(unmetExpectation(expectations, started.output()), started.output()).toBeNull();
            return;
          }
          const out = await env.run(fence, body, STALL_MS);
          expect({ code: out.code, signal: out.signal }, out.output).toEqual({ code: 0, signal: null });
          expect(unmetExpectation(expectations, out.output), out.output).toBeNull();
        });
      }
    });
  }
});
