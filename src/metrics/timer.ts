/** A latency metric that feeds both forms: a prom-client histogram or summary, and Consul's JSON samples. */
import type { Histogram, Summary } from 'prom-client';
import { type Labels, record, SampleTracker } from './sample-stats.js';

export class Timer<T extends string = string> {
  /** Observations in milliseconds, the unit of Consul's timers. */
  readonly samples = new SampleTracker();

  /**
   * `metric` is observed in its own unit: seconds for cairn's histograms (`_seconds`), milliseconds for
   * Consul's summaries, which Consul's dashboards read as milliseconds.
   */
  constructor(
    readonly metric: Histogram<T> | Summary<T>,
    readonly unit: 'seconds' | 'milliseconds',
    /** The metric's name (prom-client's types do not expose it). */
    readonly name: string,
  ) {}

  observe(labels: Partial<Record<T, string>>, seconds: number): void {
    const value = this.unit === 'seconds' ? seconds : seconds * 1000;
    this.metric.observe(labels, value);
    this.samples.observe(labels as Labels, seconds * 1000);
  }

  /** One label set's observer, kept by a hot caller (DNS) to skip both lookups. */
  child(labels: Record<T, string>): (seconds: number) => void {
    const prom = this.metric.labels(labels);
    const stats = this.samples.stats(labels);
    const scale = this.unit === 'seconds' ? 1 : 1000;
    return (seconds) => {
      prom.observe(seconds * scale);
      record(stats, seconds * 1000);
    };
  }

  /** Starts timing now; the returned function observes the time elapsed. */
  startTimer(labels: Partial<Record<T, string>> = {}): () => number {
    const start = process.hrtime.bigint();
    return () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      this.observe(labels, seconds);
      return seconds;
    };
  }
}
