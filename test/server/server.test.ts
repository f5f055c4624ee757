import { afterEach, describe, expect, it } from 'vitest';
import type { Command } from '../../src/state/index.js';
import { InProcessCluster, until } from '../support/in-process.js';

/** CairnServer on a MemoryNetwork: forwarding, leadership hand-over, discovery by address. */
describe('CairnServer in process', () => {
  let c: InProcessCluster | undefined;
  afterEach(async () => {
    await c?.stop();
    c = undefined;
  });

  it('three servers find each other by address (bootstrap-expect) and a write through a follower is applied there before apply() returns', async () => {
    c = await InProcessCluster.start({ size: 3 });
    const lead = c.leader();
    // Each server announces itself (memberUpsert) once it knows the leader: all three, on all three.
    await until('every server to know every member as alive', () =>
      c?.servers.every((s) => c?.servers.every((m) => s.server.view.members.get(m.name)?.status === 'alive'))
        ? true
        : undefined,
    );
    for (const f of c.followers()) {
      const cmd: Command = {
        type: 'kvSet',
        key: `from/${f.name}`,
        value: new Uint8Array([1]),
        flags: 0,
        cas: null,
        acquire: null,
        release: null,
        write: { at: c.clock.now(), author: 'test', keep: 5 },
      };
      const out = await f.server.apply(cmd);
      // The follower has applied its own write before apply() returns.
      expect(f.server.view.applied, f.name).toBeGreaterThanOrEqual(out.index);
      expect(lead.server.view.applied).toBeGreaterThanOrEqual(out.index);
    }
  });

  it('a leader that stops hands leadership to another voter before it returns', async () => {
    c = await InProcessCluster.start({ size: 3 });
    const old = c.leader();
    await old.server.stop();
    const others = c.servers.filter((s) => s !== old);
    const leaders = others.filter((s) => s.server.isLeader()).map((s) => s.name);
    expect(leaders, 'a successor leads as soon as stop() returns, without an election timeout').toHaveLength(
      1,
    );
    // The remaining pair keeps serving writes.
    const next = others.find((s) => s.server.isLeader());
    await next?.put('/v1/kv/after-handover', 'x');
    await until('the other server to read it', async () => {
      const r = await (others.find((s) => s !== next) ?? next)?.request('GET', '/v1/kv/after-handover?raw');
      return r?.text === 'x' ? true : undefined;
    });
  });
});
