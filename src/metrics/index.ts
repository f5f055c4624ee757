/** The prom-client registry and every metric cairn reports. */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { HandshakeFailureEvent, TcpTransportStats } from '../raft/index.js';
import type { CairnServer } from '../server/index.js';
import { type ConsulMetricsJson, consulJson } from './consul-json.js';
import { ConsulMetrics } from './consul-names.js';
import { Timer } from './timer.js';

export type { ConsulMetricsJson, GaugeValue, SampledValue } from './consul-json.js';

/** What the HTTP app's limits report (src/http/limits): refusals by reason, and what clients hold now. */
export interface ClientLimitStats {
  refusedCounts(): ReadonlyMap<string, number>;
  readonly blocking: { readonly size: number };
  readonly watchConnections: { readonly size: number };
  readonly watchSubscriptions: { readonly size: number };
}

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  readonly httpDuration: Timer<'route' | 'method'>;
  readonly heartbeats: Counter;
  readonly writeLatency: Timer;
  readonly watchers: Gauge<'kind'>;
  readonly watchEvents: Counter;
  readonly watchFanout: Timer;
  readonly watchSlowConsumers: Counter;
  readonly watchResets: Counter;
  // ---- DNS (src/dns) ----
  readonly dnsQueries: Counter<'transport' | 'type' | 'rcode'>;
  readonly dnsTruncated: Counter<'transport'>;
  readonly dnsDuration: Timer<'transport'>;
  // ---- the JSON form and Consul's names ----
  private readonly consul: ConsulMetrics;
  /** cairn's histograms, whose observations the JSON form's Samples report. */
  private readonly timers: Timer[] = [];
  /** What the JSON form's totals and rates are counted from. */
  private readonly startedAt: number;
  // ---- the cluster port (src/raft/transport) ----
  private readonly handshakeFailures: Counter<'side' | 'reason'>;
  private clusterStats: (() => TcpTransportStats) | null = null;
  private httpConnectionStats:
    | (() => { readonly refusedConnections: number; readonly timedOutRequests: number })
    | null = null;
  readonly dnsLimited: Counter<'transport' | 'reason'>;
  // ---- per-client HTTP limits (src/http/limits) ----
  private clientLimits: ClientLimitStats | null = null;
  // ---- `?filter=` (src/http/filter) ----
  private readonly filterRefusals: Counter<'reason'>;
  private readonly filterSubjectsCut: Counter;

  constructor(
    server: CairnServer,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
    const registers = [this.registry];
    // Histograms in seconds that also give the JSON form's Samples (in milliseconds, as Consul's).
    const timer = <T extends string>(name: string, histogram: Histogram<T>) => {
      const t = new Timer(histogram, 'seconds', name);
      this.timers.push(t);
      return t;
    };
    collectDefaultMetrics({ register: this.registry, prefix: 'cairn_' });
    // prom-client's totals of the by-type gauges are gauges named `_total`, which Prometheus reads as
    // counters (promtool flags them); sum(cairn_nodejs_active_handles) gives the same number.
    for (const kind of ['handles', 'requests', 'resources'])
      this.registry.removeSingleMetric(`cairn_nodejs_active_${kind}_total`);
    this.httpRequests = new Counter({
      name: 'cairn_http_requests_total',
      help: 'HTTP requests by route, method and status',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.httpDuration = timer(
      'cairn_http_request_duration_seconds',
      new Histogram({
        name: 'cairn_http_request_duration_seconds',
        help: 'HTTP request latency by route (blocking queries include their wait)',
        labelNames: ['route', 'method'],
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 60, 600],
        registers,
      }),
    );
    this.heartbeats = new Counter({
      name: 'cairn_heartbeats_received_total',
      help: 'TTL heartbeats received by this server (before forwarding to the leader)',
      registers,
    });
    this.writeLatency = timer(
      'cairn_raft_commit_seconds',
      new Histogram({
        name: 'cairn_raft_commit_seconds',
        help: 'Time from proposing a command (or forwarding it) to its apply here',
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
        registers,
      }),
    );
    this.watchers = new Gauge({
      name: 'cairn_watch_subscriptions',
      help: 'WebSocket watch subscriptions by kind',
      labelNames: ['kind'],
      registers,
    });
    this.watchEvents = new Counter({
      name: 'cairn_watch_events_sent_total',
      help: 'Watch events sent (one per subscriber)',
      registers,
    });
    this.watchFanout = timer(
      'cairn_watch_fanout_seconds',
      new Histogram({
        name: 'cairn_watch_fanout_seconds',
        help: 'Time to compute a change and hand it to every subscriber of a watch group',
        buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
        registers,
      }),
    );
    this.watchSlowConsumers = new Counter({
      name: 'cairn_watch_slow_consumers_total',
      help: 'Times a watch socket fell past the high-water mark and had events dropped',
      registers,
    });
    this.watchResets = new Counter({
      name: 'cairn_watch_resets_total',
      help: 'Subscriptions reset to a snapshot after their socket caught up',
      registers,
    });
    // ---- DNS (src/dns) ----
    this.dnsQueries = new Counter({
      name: 'cairn_dns_queries_total',
      help: 'DNS queries by transport, question type and response code (DROPPED: not answered)',
      labelNames: ['transport', 'type', 'rcode'],
      registers,
    });
    this.dnsTruncated = new Counter({
      name: 'cairn_dns_truncated_total',
      help: 'DNS answers that did not fit and were sent with the TC bit',
      labelNames: ['transport'],
      registers,
    });
    this.dnsDuration = timer(
      'cairn_dns_query_duration_seconds',
      new Histogram({
        name: 'cairn_dns_query_duration_seconds',
        help: 'Time to answer a DNS query, from decoding to the encoded reply',
        labelNames: ['transport'],
        buckets: [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.1],
        registers,
      }),
    );
    this.handshakeFailures = new Counter({
      name: 'cairn_cluster_handshake_failures_total',
      help: 'Cluster (server port) connections dropped before proving the cluster key or TLS identity, by side and reason',
      labelNames: ['side', 'reason'],
      registers,
    });
    const clusterStats = () => this.clusterStats;
    new Counter({
      name: 'cairn_cluster_connections_refused_total',
      help: 'Connections to the server port closed at once because a connection limit was reached',
      registers,
      collect() {
        // The transport counts; a counter that only grows is set to its count here.
        this.reset();
        this.inc(clusterStats()?.().refusedConnections ?? 0);
      },
    });
    const httpStats = () => this.httpConnectionStats;
    new Counter({
      name: 'cairn_http_connections_refused_total',
      help: 'HTTP connections closed at once because their client address held --http-max-conns-per-client',
      registers,
      collect() {
        this.reset();
        this.inc(httpStats()?.().refusedConnections ?? 0);
      },
    });
    new Counter({
      name: 'cairn_http_requests_timed_out_total',
      help: 'HTTP connections closed because a request did not arrive whole in time (header 10 s, request 60 s)',
      registers,
      collect() {
        this.reset();
        this.inc(httpStats()?.().timedOutRequests ?? 0);
      },
    });
    this.dnsLimited = new Counter({
      name: 'cairn_dns_limited_total',
      help:
        'DNS queries dropped (UDP) or REFUSED (TCP) over the rate limit, UDP answers cut to --dns-udp-answer-limit, ' +
        'TCP connections refused or closed, by transport and reason',
      labelNames: ['transport', 'reason'],
      registers,
    });
    const clientLimits = () => this.clientLimits;
    new Counter({
      name: 'cairn_http_refused_total',
      help: 'Requests, WebSocket connections and watch subscriptions refused by a limit, by reason (blocking, watch_connections, watch_subscriptions: per client address; kv_keys, instances: totals)',
      labelNames: ['reason'],
      registers,
      collect() {
        // The limits count; a counter that only grows is set to their counts here.
        this.reset();
        for (const [reason, n] of clientLimits()?.refusedCounts() ?? []) this.inc({ reason }, n);
      },
    });
    this.filterRefusals = new Counter({
      name: 'cairn_filter_refused_total',
      help:
        '?filter= expressions refused (400) for a limit, by reason (expression_length, nesting, pattern_length, ' +
        'pattern_count, program_size, invalid_pattern: a pattern RE2 does not accept)',
      labelNames: ['reason'],
      registers,
    });
    this.filterSubjectsCut = new Counter({
      name: 'cairn_filter_subjects_cut_total',
      help: '?filter= requests that ran a matches pattern on a value longer than 4096 characters (cut to 4096, not refused)',
      registers,
    });
    new Gauge({
      name: 'cairn_http_client_held',
      help: 'Blocking queries, watch connections and watch subscriptions held now (all client addresses), by kind',
      labelNames: ['kind'],
      registers,
      collect() {
        const l = clientLimits();
        this.set({ kind: 'blocking' }, l?.blocking.size ?? 0);
        this.set({ kind: 'watch_connections' }, l?.watchConnections.size ?? 0);
        this.set({ kind: 'watch_subscriptions' }, l?.watchSubscriptions.size ?? 0);
      },
    });
    const fsync = timer(
      'cairn_raft_fsync_seconds',
      new Histogram({
        name: 'cairn_raft_fsync_seconds',
        help: 'Time to write a batch of Raft log entries and fsync it (durable writes only)',
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers,
      }),
    );
    server.onSyncedWrite((ms) => fsync.observe({}, ms / 1000));
    const raftStats = server.raftStats();
    // Counts kept elsewhere (the driver, the leader's health, the prober): a counter that only grows is set to the count at each scrape.
    const raftCounter = (name: string, help: string, value: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(value());
        },
      });
    raftCounter(
      'cairn_raft_snapshots_total',
      'Snapshots this server took and saved',
      () => raftStats.snapshotsTaken,
    );
    raftCounter(
      'cairn_raft_snapshot_failures_total',
      'Snapshots that failed to serialize or save (retried after more entries apply)',
      () => raftStats.snapshotFailures,
    );
    let leaderChanges = 0;
    server.on('leaderChanged', () => leaderChanges++);
    const gauge = (name: string, help: string, value: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(value());
        },
      });
    gauge('cairn_raft_term', 'Current Raft term', () => server.status().term);
    gauge('cairn_raft_commit_index', 'Raft commit index', () => server.status().commit);
    gauge('cairn_raft_applied_index', 'Raft index applied to the state machine', () => server.view.applied);
    gauge('cairn_raft_leader', '1 if this server is the leader', () => (server.isLeader() ? 1 : 0));
    raftCounter(
      'cairn_raft_leader_changes_total',
      'Leader changes seen by this server since start',
      () => leaderChanges,
    );
    gauge(
      'cairn_raft_last_contact_seconds',
      'Seconds since the leader was last heard from',
      () => Math.max(0, server.lastContactMs()) / 1000,
    );
    raftCounter(
      'cairn_heartbeats_handled_total',
      'Heartbeats handled by this server as leader',
      () => server.stats().heartbeats,
    );
    raftCounter(
      'cairn_ttl_expiries_total',
      'TTL checks this server expired as leader',
      () => server.stats().ttlExpiries,
    );
    raftCounter(
      'cairn_check_status_changes_total',
      'Check status changes proposed by this server as leader',
      () => server.stats().statusChanges,
    );
    raftCounter(
      'cairn_services_reaped_total',
      'Services deregistered by the critical-service reaper',
      () => server.stats().servicesReaped,
    );
    gauge('cairn_self_preservation', '1 while TTL expiry is paused by self-preservation', () =>
      server.stats().selfPreservation ? 1 : 0,
    );
    gauge(
      'cairn_ttl_checks_tracked',
      'TTL checks whose deadline the leader tracks',
      () => server.stats().trackedTtlChecks,
    );
    gauge(
      'cairn_probe_checks',
      'HTTP and TCP checks this server probes as leader',
      () => server.stats().probeChecks,
    );
    raftCounter(
      'cairn_probes_run_total',
      'HTTP and TCP probes run by this server as leader',
      () => server.stats().probesRun,
    );
    gauge(
      'cairn_kv_tombstones',
      'Deleted KV keys still remembered with their history (until the tombstone TTL)',
      () => server.view.kv.tombstoneCount,
    );
    gauge(
      'cairn_blocking_queries_waiting',
      'Blocking queries and watches waiting for a change',
      () => server.view.hub.size,
    );
    gauge('cairn_state_nodes', 'Nodes in the catalog', () => server.view.catalog.counts.nodes);
    gauge(
      'cairn_state_service_instances',
      'Service instances in the catalog',
      () => server.view.catalog.counts.instances,
    );
    gauge('cairn_state_checks', 'Health checks in the catalog', () => server.view.catalog.counts.checks);
    this.consul = new ConsulMetrics(server, registers);
  }

  /** Starts timing a write through Raft (`type`: the command's); the returned function ends it. */
  startWrite(type: string): () => void {
    const done = this.writeLatency.startTimer();
    return () => this.consul.write(type, done());
  }

  /** One DNS query answered (or dropped), for src/dns. Labelled children are kept: tens of thousands a second. */
  dnsQuery(transport: string, type: string, rcode: string, truncated: boolean, seconds: number): void {
    const key = `${transport}|${type}|${rcode}`;
    let counter = this.dnsChildren.get(key);
    if (counter === undefined) {
      counter = this.dnsQueries.labels(transport, type, rcode);
      this.dnsChildren.set(key, counter);
    }
    counter.inc();
    if (truncated) this.dnsTruncated.inc({ transport });
    let observe = this.dnsDurationChildren.get(transport);
    if (observe === undefined) {
      observe = this.dnsDuration.child({ transport });
      this.dnsDurationChildren.set(transport, observe);
    }
    observe(seconds);
  }
  /** A DNS limit acted (src/dns DnsLimitReason): a query dropped or refused, an answer cut, a connection refused or closed. */
  dnsLimit(transport: string, reason: string): void {
    this.dnsLimited.inc({ transport, reason });
  }
  private readonly dnsChildren = new Map<string, { inc(): void }>();
  private readonly dnsDurationChildren = new Map<string, (seconds: number) => void>();

  /** A `?filter=` refused for a limit (src/http/filter FilterLimit). */
  filterRefused(reason: string): void {
    this.filterRefusals.inc({ reason });
  }

  /** A `?filter=` whose pattern ran on a value cut to the subject limit (counted once per request). */
  filterSubjectCut(): void {
    this.filterSubjectsCut.inc();
  }

  /** Starts every reason at 0, so that a scrape shows the series before the first refusal. */
  knowFilterReasons(reasons: readonly string[]): void {
    for (const reason of reasons) this.filterRefusals.inc({ reason }, 0);
  }

  /** A cluster connection dropped in its handshake (the agent forwards the transport's reports). */
  clusterHandshakeFailure(e: HandshakeFailureEvent): void {
    this.handshakeFailures.inc({ side: e.side, reason: e.reason });
  }

  /** Where the cluster transport's counts are read from at each scrape. */
  trackClusterConnections(stats: () => TcpTransportStats): void {
    this.clusterStats = stats;
  }

  /** Where the HTTP server's connection-limit counts are read from at each scrape. */
  trackHttpConnections(
    stats: () => { readonly refusedConnections: number; readonly timedOutRequests: number },
  ): void {
    this.httpConnectionStats = stats;
  }

  /** Where the HTTP app's per-client limits are read from at each scrape. */
  trackClientLimits(limits: ClientLimitStats): void {
    this.clientLimits = limits;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The JSON form of /v1/agent/metrics, in Consul's shape; counts and samples are since the agent started. */
  async json(): Promise<ConsulMetricsJson> {
    const timers = new Map<string, Timer>();
    for (const t of [...this.timers, ...this.consul.timers]) timers.set(t.name, t);
    return consulJson({
      metrics: await this.registry.getMetricsAsJSON(),
      timers,
      jsonNames: this.consul.jsonNames,
      seconds: (this.now() - this.startedAt) / 1000,
      now: new Date(this.now()),
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
