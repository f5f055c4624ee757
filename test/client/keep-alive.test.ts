import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../cluster/index.js';
import { repoRoot } from '../support/processes.js';

/**
 * The client's timers never keep a process alive, so a script whose only work is a `call`
 * waiting for its first list of instances (while the watch socket waits to reconnect to a
 * server that refused it) used to exit with code 13, the call never settled. It must instead
 * wait for the list or its deadline, and fail with NO_ENDPOINTS.
 */
describe('a call waiting for instances', () => {
  mkdirSync(join(repoRoot, 'tmp'), { recursive: true });
  const dir = mkdtempSync(join(repoRoot, 'tmp', 'client-keep-alive-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the process alive until it settles', async () => {
    // Free ports with nothing listening: every connection is refused.
    const [a, b] = (await freePorts(2)) as [number, number];
    const script = join(dir, 'wait.mjs');
    writeFileSync(
      script,
      [
        `import { createClient } from ${JSON.stringify(join(repoRoot, 'dist', 'src', 'client', 'index.js'))};`,
        `const cairn = createClient({ servers: ['127.0.0.1:${a}', '127.0.0.1:${b}'] });`,
        `const r = cairn.resolve('nothing');`,
        'try {',
        `  await r.call(async () => 'called', { waitForEndpointsMs: 1500 });`,
        `  console.log('settled: called');`,
        '} catch (e) {',
        "  console.log('settled: ' + e.code);",
        '}',
        'await cairn.close();',
      ].join('\n'),
    );
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [script], { timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
      });
    });
    expect(out, out.stderr).toEqual({ code: 0, stdout: 'settled: NO_ENDPOINTS\n', stderr: '' });
  });
});
