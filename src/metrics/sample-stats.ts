/** Count, sum, extremes and spread of observed values, per label set: what Consul's JSON form reports for a timer. */

export type Labels = Readonly<Record<string, string>>;

export interface SampleStats {
  count: number;
  sum: number;
  min: number;
  max: number;
  sumSquares: number;
}

/** One series in Consul's `Counters` and `Samples` lists, without its name and labels. */
export interface Aggregate {
  readonly Count: number;
  readonly Rate: number;
  readonly Sum: number;
  readonly Min: number;
  readonly Max: number;
  readonly Mean: number;
  readonly Stddev: number;
}

/** Observations grouped by label set; keys are stable whatever the order of the labels. */
export class SampleTracker {
  private readonly series = new Map<string, { labels: Labels; stats: SampleStats }>();

  observe(labels: Labels, value: number): void {
    record(this.stats(labels), value);
  }

  /** The running figures of one label set, for a caller that keeps it to skip the lookup. */
  stats(labels: Labels): SampleStats {
    const key = labelKey(labels);
    let s = this.series.get(key);
    if (s === undefined) {
      s = { labels: { ...labels }, stats: { count: 0, sum: 0, min: 0, max: 0, sumSquares: 0 } };
      this.series.set(key, s);
    }
    return s.stats;
  }

  entries(): { labels: Labels; stats: Readonly<SampleStats> }[] {
    return [...this.series.values()].filter((s) => s.stats.count > 0);
  }
}

export function record(st: SampleStats, value: number): void {
  if (st.count === 0) {
    st.min = value;
    st.max = value;
  }
  st.count++;
  st.sum += value;
  st.sumSquares += value * value;
  if (value < st.min) st.min = value;
  if (value > st.max) st.max = value;
}

function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Consul's figures for a series observed over `seconds`: Rate is Sum per second, Stddev the sample
 * standard deviation (n - 1), as go-metrics computes them.
 */
export function aggregate(s: Readonly<SampleStats>, seconds: number): Aggregate {
  const mean = s.count > 0 ? s.sum / s.count : 0;
  const variance = s.count > 1 ? (s.sumSquares - s.sum * mean) / (s.count - 1) : 0;
  return {
    Count: s.count,
    Rate: seconds > 0 ? s.sum / seconds : 0,
    Sum: s.sum,
    Min: s.count > 0 ? s.min : 0,
    Max: s.count > 0 ? s.max : 0,
    Mean: mean,
    // Rounding can leave a tiny negative variance when every value is equal.
    Stddev: Math.sqrt(Math.max(0, variance)),
  };
}
