import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { agentArgv } from '../../cluster/index.js';
import { LevelStorage, type RaftNode, TcpTransport } from '../../src/raft/index.js';
import { CairnServer } from '../../src/server/index.js';
import { type ApplyResult, encodeCommand, UnreadableCommandError } from '../../src/state/index.js';
import { distScript, freePorts, waitFor } from '../support/processes.js';

/**
 * A server whose log holds a command it cannot read (one a newer version wrote) stops there and
 * says why, in process and as `cairn agent`; it neither skips the entry nor applies anything after.
 */
const packr = new Packr({ useRecords: false, moreTypes: false });
const fromTheFuture = () => packr.pack({ type: 'configEntrySet', kind: 'service-defaults', name: 'web' });
/**
 * The server's Raft node, private to it: this test plays a newer leader, committing what the
 * server's own write path refuses to propose, so it proposes on the node itself.
 */
const raftOf = (s: CairnServer) => (s as unknown as { readonly raft: RaftNode<ApplyResult> }).raft;

describe('a command this version cannot read', () => {
  let dir = '';
  let server: CairnServer | null = null;
  afterEach(async () => {
    await server?.stop();
    server = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stops the server with its index and type, then stops `cairn agent` on that log with exit 1', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-unknown-'));
    const logged: string[] = [];
    const [serverPort, httpPort, dnsPort] = (await freePorts(3)) as [number, number, number];
    server = new CairnServer({
      node: 'old',
      datacenter: 'dc1',
      storage: new LevelStorage(dir),
      transport: new TcpTransport({ id: 'old', host: '127.0.0.1', port: serverPort }),
      bind: '127.0.0.1',
      httpAddress: `127.0.0.1:${httpPort}`,
      dev: true,
      bootstrapExpect: null,
      join: [],
      logger: pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) }),
      tickMs: 20,
    });
    const fatal = new Promise<unknown>((resolve) => server?.once('fatal', resolve));
    await server.start();
    const s = server;
    await waitFor('a leader', async () => (s.isLeader() ? true : undefined), 10_000);
    await s.apply({ type: 'kvReap', upTo: 0 });

    // Through the write path the leader refuses it rather than commit what would stop it.
    const refused = await s.apply({ type: 'configEntrySet' } as never);
    expect(refused.result).toMatchObject({ ok: false, kind: 'invalid' });
    if (!refused.result.ok) expect(refused.result.message).toContain('unknown command type "configEntrySet"');
    expect(s.isLeader()).toBe(true);

    // One its writer marked skippable is skipped with a warning, and the server goes on.
    const hint = await raftOf(s).propose(
      packr.pack({ type: 'placementHint', ignoreIfUnknown: true, zone: 'a' }),
    );
    expect(hint.result).toMatchObject({ ok: false, kind: 'invalid' });
    const warning = logged
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.index === hint.index);
    expect(warning).toMatchObject({ level: 40, type: 'placementHint' });
    expect((await s.apply({ type: 'kvReap', upTo: 0 })).result).toEqual({ ok: true });

    // Committed all the same (as a newer leader would): this server stops at it.
    const bad = raftOf(s).propose(fromTheFuture());
    const after = raftOf(s).propose(encodeCommand({ type: 'kvReap', upTo: 0 }));
    const err = await fatal;
    expect(err).toBeInstanceOf(UnreadableCommandError);
    const { index, type } = err as UnreadableCommandError;
    expect(type).toBe('configEntrySet');
    expect(raftOf(s).applied).toBe(index - 1);
    expect(s.view.applied).toBeLessThan(index);
    await expect(bad).rejects.toMatchObject({ code: 'RAFT_UNKNOWN_OUTCOME' });
    await expect(after).rejects.toBeInstanceOf(Error);
    await s.stop();
    server = null;

    // Restarted on the same log, the agent replays up to that entry and exits 1 saying why.
    const child = spawn(
      process.execPath,
      [
        distScript('src/cli/main.js'),
        'agent',
        ...agentArgv({ node: 'old', dataDir: dir, serverPort, httpPort, dnsPort, logLevel: 'fatal' }),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child.once('exit', (c, sig) => resolve([c, sig])),
    );
    clearTimeout(killer);
    expect(signal, 'the agent did not exit by itself').toBeNull();
    expect(code).toBe(1);
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`index ${index}`);
    expect(lines[0]).toContain('unknown command type "configEntrySet"');
  });
});
