import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  execForm,
  exposedPorts,
  healthcheckCommand,
  instructionsOf,
  parseDockerfile,
} from '../../../scripts/container/dockerfile.js';
import { repoRoot } from '../../support/processes.js';

/**
 * The Dockerfile parser of `npm run check:container`, and the repository's Dockerfile read with
 * it: the shape the issue asks for (build and runtime stages, non-root, ports, volume, health).
 * No Docker engine runs here; `npm run check:container` runs the steps themselves.
 */
describe('parseDockerfile', () => {
  it('splits stages, joins continuation lines and skips comments', () => {
    const stages = parseDockerfile(
      [
        '# syntax=docker/dockerfile:1',
        'FROM node:20 AS build',
        'RUN a \\',
        '  # a comment inside',
        '  && b',
        '',
        'from alpine',
        'CMD ["x", "y"]',
      ].join('\n'),
    );
    expect(stages.map((s) => [s.from, s.name])).toEqual([
      ['node:20', 'build'],
      ['alpine', null],
    ]);
    expect(stages[0]?.instructions).toEqual([{ keyword: 'RUN', args: 'a && b', line: 3 }]);
    expect(execForm(stages[1]?.instructions[0]?.args ?? '')).toEqual(['x', 'y']);
  });

  it('refuses an instruction before FROM, naming the line', () => {
    expect(() => parseDockerfile('\nRUN x\nFROM a')).toThrow('Dockerfile line 2: RUN before any FROM');
  });

  it('reads exec forms and the HEALTHCHECK command', () => {
    expect(execForm('node x')).toBeNull();
    expect(execForm('["a", 1]')).toBeNull();
    expect(healthcheckCommand('--interval=5s CMD ["node", "-e", "1"]')).toEqual(['node', '-e', '1']);
    expect(healthcheckCommand('NONE')).toBeNull();
  });
});

describe('the Dockerfile', () => {
  const stages = parseDockerfile(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
  const [build, runtime] = stages;

  it('builds in one stage with npm ci and npm run build', () => {
    expect(stages).toHaveLength(2);
    expect(build?.name).toBe('build');
    const runs = instructionsOf(build as (typeof stages)[0], 'RUN').map((i) => i.args);
    expect(runs[0]).toMatch(/^npm ci\b/);
    expect(runs).toContain('npm run build');
  });

  it('runs as a non-root user with production dependencies only and the compiled server', () => {
    const r = runtime as (typeof stages)[0];
    expect(instructionsOf(r, 'RUN')[0]?.args).toMatch(/^npm ci --omit=dev\b/);
    expect(instructionsOf(r, 'COPY').map((i) => i.args)).toContain('--from=build /build/dist/src ./dist/src');
    const user = instructionsOf(r, 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
  });

  it('exposes HTTP, DNS on UDP and TCP and the server port; keeps data in a volume', () => {
    const r = runtime as (typeof stages)[0];
    expect(exposedPorts(r).sort()).toEqual(['8300', '8500', '8600/tcp', '8600/udp']);
    expect(instructionsOf(r, 'VOLUME').map((i) => i.args)).toEqual(['/data']);
    const cmd = execForm(instructionsOf(r, 'CMD').at(-1)?.args ?? '') ?? [];
    expect(cmd.slice(0, 1)).toEqual(['agent']);
    expect(cmd[cmd.indexOf('--data-dir') + 1]).toBe('/data');
  });

  it('checks health on /v1/status/leader', () => {
    const r = runtime as (typeof stages)[0];
    const check = healthcheckCommand(instructionsOf(r, 'HEALTHCHECK').at(-1)?.args ?? '');
    expect(check?.join(' ')).toContain('http://127.0.0.1:8500/v1/status/leader');
  });
});
