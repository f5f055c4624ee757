/**
 * The metrics of Consul's that its common dashboards and alerts read, exported beside cairn's own and
 * computed from the same facts. Prometheus names are Consul's with dots as underscores, so they keep
 * Consul's camelCase and its counters have no `_total`: dashboards match them by exact name.
 */
import { Counter, Gauge, type Registry, Summary } from 'prom-client';
import type { CairnServer } from '../server/index.js';
import { Timer } from './timer.js';

/** Consul's dotted name → its Prometheus name. */
export const promName = (dotted: string): string => dotted.replaceAll('.', '_');

export class ConsulMetrics {
  readonly timers: Timer[] = [];
  /** Prometheus name → Consul's dotted name, for the JSON form. */
  readonly jsonNames = new Map<string, string>();
  private readonly apply: Counter;
  private readonly commitTime: Timer;
  private readonly kvsApply: Timer;
  private readonly txnApply: Timer;
  private readonly catalogRegister: Timer;
  private readonly catalogDeregister: Timer;

  constructor(server: CairnServer, registers: Registry[]) {
    const name = (dotted: string) => {
      this.jsonNames.set(promName(dotted), dotted);
      return promName(dotted);
    };
    const timer = (dotted: string, help: string, collect?: (t: Timer) => void) => {
      let t: Timer | null = null;
      const summary = new Summary({
        name: name(dotted),
        help: `${help} (ms)`,
        // What go-metrics' Prometheus sink gives Consul's timers.
        percentiles: [0.5, 0.9, 0.99],
        maxAgeSeconds: 10,
        ageBuckets: 5,
        registers,
        collect: collect
          ? () => {
              if (t) collect(t);
            }
          : undefined,
      });
      t = new Timer(summary, 'milliseconds', promName(dotted));
      this.timers.push(t);
      return t;
    };
    const gauge = (dotted: string, help: string, value: () => number) =>
      new Gauge({
        name: name(dotted),
        help,
        registers,
        collect() {
          this.set(value());
        },
      });

    let becameLeader = 0;
    server.on('leaderChanged', (lead: string | null) => {
      if (lead !== null && lead === server.status().id) becameLeader++;
    });
    new Counter({
      name: name('consul.raft.state.leader'),
      help: 'Times this server became the leader',
      registers,
      collect() {
        this.reset();
        this.inc(becameLeader);
      },
    });
    this.apply = new Counter({
      name: name('consul.raft.apply'),
      help: 'Writes (Raft commands) proposed through this server, forwarded ones included',
      registers,
    });
    this.commitTime = timer(
      'consul.raft.commitTime',
      'Time from proposing a write (or forwarding it) to its apply here; the same observations as cairn_raft_commit_seconds',
    );
    timer(
      'consul.raft.leader.lastContact',
      'Followers only: time since the leader was last heard from, sampled when the metrics are read; the same fact as cairn_raft_last_contact_seconds',
      (t) => {
        if (!server.isLeader() && server.status().lead !== null)
          t.observe({}, Math.max(0, server.lastContactMs()) / 1000);
      },
    );
    const dispatchLog = timer(
      'consul.raft.leader.dispatchLog',
      "Leader only: time to write a batch of log entries and fsync it; the leader's share of cairn_raft_fsync_seconds",
    );
    server.onSyncedWrite((ms) => {
      if (server.isLeader()) dispatchLog.observe({}, ms / 1000);
    });
    this.kvsApply = timer(
      'consul.kvs.apply',
      'Time to apply a KV write (set, CAS, delete, lock) through Raft',
    );
    this.txnApply = timer('consul.txn.apply', 'Time to apply a transaction through Raft');
    this.catalogRegister = timer(
      'consul.catalog.register',
      'Time to apply a catalog registration through Raft',
    );
    this.catalogDeregister = timer(
      'consul.catalog.deregister',
      'Time to apply a deregistration (service, check or node) through Raft',
    );
    gauge('consul.server.isLeader', '1 if this server is the leader', () => (server.isLeader() ? 1 : 0));
    gauge('consul.raft.applied_index', 'Raft index applied to the state machine', () => server.view.applied);
    gauge('consul.raft.last_index', "Last index in this server's Raft log", () => server.status().lastIndex);
    gauge('consul.state.nodes', 'Nodes in the catalog', () => server.view.catalog.counts.nodes);
    gauge(
      'consul.state.service_instances',
      'Service instances in the catalog',
      () => server.view.catalog.counts.instances,
    );
  }

  /** One write applied through Raft: `type` is the command's type (src/state Command). */
  write(type: string, seconds: number): void {
    this.apply.inc();
    this.commitTime.observe({}, seconds);
    const byType = this.timerFor(type);
    byType?.observe({}, seconds);
  }

  private timerFor(type: string): Timer | undefined {
    if (type === 'kvSet' || type === 'kvDelete') return this.kvsApply;
    if (type === 'txn') return this.txnApply;
    if (type === 'register') return this.catalogRegister;
    if (type === 'deregisterService' || type === 'deregisterCheck' || type === 'deregisterNode')
      return this.catalogDeregister;
    return undefined;
  }
}
