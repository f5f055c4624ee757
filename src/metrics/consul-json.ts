/** The JSON form of /v1/agent/metrics in Consul's shape, from prom-client's values and the timers' samples. */
import { type Aggregate, aggregate, type Labels } from './sample-stats.js';
import type { Timer } from './timer.js';

export interface GaugeValue {
  readonly Name: string;
  readonly Value: number;
  readonly Labels: Labels;
}
export type SampledValue = Aggregate & { readonly Name: string; readonly Labels: Labels };

export interface ConsulMetricsJson {
  readonly Timestamp: string;
  readonly Gauges: GaugeValue[];
  readonly Points: never[];
  readonly Counters: SampledValue[];
  readonly Samples: SampledValue[];
}

/** What prom-client's `getMetricsAsJSON` gives for one metric (the fields read here). */
export interface PromMetricJson {
  readonly name: string;
  /** prom-client's MetricType, whose values are these strings. */
  readonly type: unknown;
  readonly values: readonly {
    readonly value: number;
    readonly labels: Readonly<Record<string, string | number | undefined>>;
    readonly metricName?: string;
  }[];
}

export interface ConsulJsonInput {
  readonly metrics: readonly PromMetricJson[];
  /** Timers by their Prometheus name: the only source of Samples. */
  readonly timers: ReadonlyMap<string, Timer>;
  /** JSON names that differ from the Prometheus name (Consul's dotted names). */
  readonly jsonNames: ReadonlyMap<string, string>;
  /** Seconds the counts and samples were gathered over (since the agent started). */
  readonly seconds: number;
  readonly now: Date;
}

/**
 * Gauges as they are; counters (each increment is one event) as Counters whose Count and Sum are the
 * total; timers as Samples in milliseconds. Counters of seconds (`_seconds_total`, CPU time) are not
 * counts of events, so they are reported as gauges. A histogram without a timer (prom-client's GC
 * durations) has no minimum, maximum or spread to give, and is left to the Prometheus form.
 */
export function consulJson(input: ConsulJsonInput): ConsulMetricsJson {
  const gauges: GaugeValue[] = [];
  const counters: SampledValue[] = [];
  const samples: SampledValue[] = [];
  for (const m of input.metrics) {
    const name = input.jsonNames.get(m.name) ?? m.name;
    if (m.type === 'histogram' || m.type === 'summary') {
      for (const s of input.timers.get(m.name)?.samples.entries() ?? [])
        samples.push({ Name: name, ...aggregate(s.stats, input.seconds), Labels: s.labels });
      continue;
    }
    for (const v of m.values) {
      const labels = stringLabels(v.labels);
      if (m.type === 'counter' && !m.name.endsWith('_seconds_total')) {
        const unit = v.value > 0 ? 1 : 0;
        const stats = { count: v.value, sum: v.value, min: unit, max: unit, sumSquares: v.value };
        counters.push({ Name: name, ...aggregate(stats, input.seconds), Labels: labels });
      } else {
        gauges.push({ Name: v.metricName ?? name, Value: v.value, Labels: labels });
      }
    }
  }
  return {
    Timestamp: goTimestamp(input.now),
    Gauges: gauges,
    Points: [],
    Counters: counters,
    Samples: samples,
  };
}

/** Consul prints its interval's start as Go does, to the second: "2026-12-02 16:27:10 +0000 UTC". */
export function goTimestamp(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

function stringLabels(labels: Readonly<Record<string, string | number | undefined>>): Labels {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (v !== undefined) out[k] = String(v);
  return out;
}
