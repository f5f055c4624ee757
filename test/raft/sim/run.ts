import { InvariantError, SimCluster, type SimParams } from './cluster.js';
import { Rng } from './rng.js';

export interface SimRun {
  readonly seed: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly params: SimParams;
  readonly stats: SimCluster['stats'];
  readonly trace: readonly string[];
}

const FAULT_MS = 30_000;
const SETTLE_MS = 60_000;

/** Draws a scenario from the seed: sizes, fault rates, limits. */
export function paramsFor(rng: Rng): SimParams {
  const founders = rng.pick([1, 3, 3, 3, 5]);
  return {
    founders,
    spares: founders === 5 ? 0 : rng.int(0, 2),
    dropRate: rng.pick([0, 0.01, 0.05, 0.15]),
    dupRate: rng.pick([0, 0.02, 0.1]),
    maxDelayMs: rng.pick([2, 10, 40, 120]),
    diskMaxMs: rng.pick([1, 5, 30]),
    leaseReads: rng.chance(0.5),
    snapshotEvery: rng.pick([10, 25, 60, 1000]),
    keepEntries: rng.pick([1, 5, 20]),
    maxSizePerMsg: rng.pick([16, 200, 1 << 20]),
    maxInflightMsgs: rng.pick([1, 4, 256]),
  };
}

/** Runs one seeded scenario: a fault phase, then healing and a liveness check. */
export function runSeed(seed: number): SimRun {
  const rng = new Rng(seed);
  const params = paramsFor(rng);
  const sim = new SimCluster(rng.fork(), params);
  const faults = rng.fork();
  const q = sim.q;
  let faulting = true;
  let clients = true;

  const clientLoop = () => {
    if (!clients) return;
    const leaders = sim.leaderNodes();
    const live = [...sim.nodes.values()].filter((n) => n.alive);
    if (live.length > 0) {
      const target = leaders.length > 0 && faults.chance(0.85) ? faults.pick(leaders) : faults.pick(live);
      if (faults.chance(0.8)) sim.propose(target);
      else sim.read(target);
    }
    q.schedule(faults.int(2, 40), clientLoop);
  };
  q.schedule(50, clientLoop);

  // Some seeds are storms: faults every few tens of milliseconds, mostly leader crashes.
  const storm = faults.chance(0.4);
  const [gapMin, gapMax] = storm ? [100, 1200] : [200, 2000];
  const faultLoop = () => {
    if (!faulting) return;
    const members = sim.members();
    const roll = faults.next();
    if (roll < (storm ? 0.4 : 0.2)) {
      const leader = sim.leaderNodes()[0];
      const victim = leader && faults.chance(0.6) ? leader : faults.pick(members);
      if (victim.alive) {
        sim.crash(victim);
        const downFor = faults.chance(0.3) ? faults.int(5, 100) : faults.int(100, 3000);
        q.schedule(downFor, () => {
          if (faulting) sim.restart(victim);
        });
      }
    } else if (roll < 0.45) {
      partition(sim, faults);
    } else if (roll < 0.6) {
      sim.blocked.clear();
      sim.log('healed');
    } else if (roll < 0.8) {
      const leader = sim.leaderNodes()[0];
      if (leader) membershipStep(sim, leader, faults);
    } else if (roll < 0.9) {
      const leader = sim.leaderNodes()[0];
      if (leader) {
        const others = leader.raw.raft.conf.voters.filter((v) => v !== leader.id);
        if (others.length > 0) sim.transfer(leader, faults.pick(others));
      }
    }
    q.schedule(faults.int(gapMin, gapMax), faultLoop);
  };
  q.schedule(faults.int(gapMin, gapMax), faultLoop);

  try {
    runUntil(sim, FAULT_MS);
    faulting = false;
    sim.blocked.clear();
    sim.dropRate = 0;
    sim.dupRate = 0;
    for (const n of sim.members()) sim.restart(n);
    sim.log('faults stopped');
    runUntil(sim, FAULT_MS + SETTLE_MS / 3);
    clients = false;
    // Liveness: converge within the bound; slow links and tiny windows may need most of it.
    for (let t = FAULT_MS + SETTLE_MS / 3; ; t += 1000) {
      runUntil(sim, t);
      try {
        sim.checkConverged();
        break;
      } catch (e) {
        if (t >= FAULT_MS + SETTLE_MS) throw e;
      }
    }
    return { seed, ok: true, params, stats: sim.stats, trace: [] };
  } catch (e) {
    const error =
      e instanceof InvariantError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
    return { seed, ok: false, error, params, stats: sim.stats, trace: sim.trace.slice(-80) };
  }
}

/** A bound on events per run, so a livelock shows up as a failure instead of a hang. */
const MAX_EVENTS = 3_000_000;

function runUntil(sim: SimCluster, until: number): void {
  while (sim.q.size > 0) {
    if (sim.q.now > until) return;
    sim.q.step();
    if (++sim.events > MAX_EVENTS)
      throw new InvariantError(`runaway: over ${MAX_EVENTS} events by ${sim.q.now} ms`);
  }
}

function partition(sim: SimCluster, rng: Rng): void {
  const ids = [...sim.nodes.keys()];
  sim.blocked.clear();
  const kind = rng.int(0, 2);
  if (kind === 0) {
    // Cut the leader off from everyone.
    const leader = sim.leaderNodes()[0];
    if (!leader) return;
    for (const id of ids) {
      if (id === leader.id) continue;
      sim.blocked.add(`${leader.id}>${id}`);
      sim.blocked.add(`${id}>${leader.id}`);
    }
    sim.log(`isolated leader ${leader.id}`);
  } else if (kind === 1) {
    const side = new Set(ids.filter(() => rng.chance(0.5)));
    for (const a of ids) {
      for (const b of ids) if (side.has(a) !== side.has(b)) sim.blocked.add(`${a}>${b}`);
    }
    sim.log(`split ${[...side].join(',')} | rest`);
  } else {
    const a = rng.pick(ids);
    const others = ids.filter((x) => x !== a);
    if (others.length === 0) return;
    const b = rng.pick(others);
    sim.blocked.add(`${a}>${b}`);
    sim.log(`one-way cut ${a}>${b}`);
  }
}

function membershipStep(
  sim: SimCluster,
  leader: ReturnType<SimCluster['leaderNodes']>[number],
  rng: Rng,
): void {
  const conf = leader.raw.raft.conf;
  const spare = [...sim.nodes.values()].find(
    (n) => !n.removed && n.alive && !conf.voters.includes(n.id) && !conf.learners.includes(n.id),
  );
  const learner = conf.learners[0];
  const choice = rng.int(0, 2);
  if (choice === 0 && spare) sim.confChange(leader, { type: 'addLearner', node: spare.id });
  else if (choice === 1 && learner) sim.confChange(leader, { type: 'promote', node: learner });
  else if (choice === 2 && conf.voters.length > 2) {
    sim.confChange(leader, { type: 'remove', node: rng.pick(conf.voters) });
  }
}
