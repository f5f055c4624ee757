import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packClient } from '../../scripts/pack-client.js';
import { parseFences, type RunFence, rewritePorts, unmetExpectation } from '../docs/fences.js';
import { DevAgent } from '../support/agent.js';
import { freePorts, repoRoot } from '../support/processes.js';

/**
 * The SDK as an application gets it: `npm run pack:client`'s tarball, installed into a scratch
 * application outside the repository (its dependencies packed from the repository's node_modules:
 * no network), runs the README's
 * register-and-resolve example against a dev agent.
 */
describe('@cairn-registry/client, packed and installed', () => {
  let scratch: string;
  let tarball: string;
  let agent: DevAgent;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'cairn-sdk-app-'));
    tarball = packClient(join(scratch, 'pack'), repoRoot);
    agent = await DevAgent.start();
  });

  afterAll(async () => {
    await agent?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('the tarball holds the SDK, the strategies it imports and nothing of the server', () => {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    const top = new Set(files.map((f) => f.split('/').slice(0, 4).join('/')));
    expect([...top].sort()).toEqual([
      'package/README.md',
      'package/dist/src/balance',
      'package/dist/src/client',
      'package/package.json',
    ]);
    expect(files).toContain('package/dist/src/client/index.d.ts');
    const pkg = JSON.parse(
      execFileSync('tar', ['xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
    );
    const root = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('@cairn-registry/client');
    expect(pkg.version).toBe(root.version);
    expect(pkg.dependencies).toEqual({ undici: root.dependencies.undici, ws: root.dependencies.ws });
  });

  it("installs into an application outside the repository and runs the README's example", async () => {
    const app = join(scratch, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }),
    );
    // The SDK's dependencies come from the repository's own node_modules, packed as npm would
    // fetch them, so the install needs no network (the registry is not reached from tests).
    const deps = ['undici', 'ws'].map((d) =>
      join(
        scratch,
        'pack',
        execFileSync(
          'npm',
          [
            'pack',
            '--silent',
            '--ignore-scripts',
            '--pack-destination',
            join(scratch, 'pack'),
            join(repoRoot, 'node_modules', d),
          ],
          { encoding: 'utf8' },
        )
          .trim()
          .split('\n')
          .pop() ?? '',
      ),
    );
    const install = spawnSync(
      'npm',
      [
        'install',
        '--offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--loglevel=error',
        ...deps,
        tarball,
      ],
      { cwd: app, encoding: 'utf8', timeout: 120_000 },
    );
    expect(install.status, install.stderr).toBe(0);
    expect(existsSync(join(app, 'node_modules', '@cairn-registry', 'client', 'package.json'))).toBe(true);
    expect(existsSync(join(app, 'node_modules', 'ws'))).toBe(true);
    // Only the SDK's own dependencies: nothing of the server's (fastify, level, ...).
    expect(existsSync(join(app, 'node_modules', 'fastify'))).toBe(false);

    const readme = readFileSync(join(repoRoot, 'src', 'client', 'README.md'), 'utf8');
    const example = parseFences('src/client/README.md', readme).find(
      (f): f is RunFence =>
        f.kind === 'run' && f.language === 'js' && f.body.includes("'@cairn-registry/client'"),
    );
    expect(example, 'the README shows an example importing @cairn-registry/client').toBeDefined();
    const [servicePort] = (await freePorts(1)) as [number];
    const ports = new Map([
      [8500, agent.httpPort],
      [8080, servicePort],
    ]);
    writeFileSync(join(app, 'example.mjs'), rewritePorts(example!.body, ports));
    const run = spawnSync(process.execPath, ['example.mjs'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    const output = run.stdout + run.stderr;
    expect(run.status, output).toBe(0);
    const expectations = example!.expectations.map((e) => rewritePorts(e, ports));
    expect(expectations.length).toBeGreaterThan(0);
    expect(unmetExpectation(expectations, output), output).toBeNull();
  });
});
