import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { consulJson, goTimestamp, type PromMetricJson } from '../../src/metrics/consul-json.js';
import { Timer } from '../../src/metrics/timer.js';

describe('consulJson', () => {
  const metrics: PromMetricJson[] = [
    { name: 'cairn_g', type: 'gauge', values: [{ value: 7, labels: { kind: 'a', n: 1 } }] },
    { name: 'cairn_c_total', type: 'counter', values: [{ value: 4, labels: {} }] },
    { name: 'cairn_zero_total', type: 'counter', values: [{ value: 0, labels: {} }] },
    { name: 'cairn_cpu_seconds_total', type: 'counter', values: [{ value: 1.5, labels: {} }] },
    { name: 'consul_raft_apply', type: 'counter', values: [{ value: 2, labels: {} }] },
    { name: 'cairn_untimed_seconds', type: 'histogram', values: [{ value: 3, labels: { le: '1' } }] },
    { name: 'cairn_t_seconds', type: 'histogram', values: [] },
  ];

  function timed(): Timer {
    const h = new Histogram({ name: 'cairn_t_seconds', help: 't', registers: [new Registry()] });
    const t = new Timer(h, 'seconds', 'cairn_t_seconds');
    t.observe({}, 0.002);
    t.observe({}, 0.004);
    return t;
  }

  const out = consulJson({
    metrics,
    timers: new Map([['cairn_t_seconds', timed()]]),
    jsonNames: new Map([['consul_raft_apply', 'consul.raft.apply']]),
    seconds: 2,
    now: new Date(Date.UTC(2026, 11, 2, 16, 27, 10, 600)),
  });

  it('has Consul’s top-level keys and timestamp format', () => {
    expect(Object.keys(out)).toEqual(['Timestamp', 'Gauges', 'Points', 'Counters', 'Samples']);
    expect(out.Timestamp).toBe('2026-12-02 16:27:10 +0000 UTC');
    expect(out.Points).toEqual([]);
  });

  it('puts gauges in Gauges with string labels, and counters of seconds there too', () => {
    expect(out.Gauges).toEqual([
      { Name: 'cairn_g', Value: 7, Labels: { kind: 'a', n: '1' } },
      { Name: 'cairn_cpu_seconds_total', Value: 1.5, Labels: {} },
    ]);
  });

  it('puts counts of events in Counters under their JSON name, with a rate per second', () => {
    expect(out.Counters).toEqual([
      { Name: 'cairn_c_total', Count: 4, Rate: 2, Sum: 4, Min: 1, Max: 1, Mean: 1, Stddev: 0, Labels: {} },
      { Name: 'cairn_zero_total', Count: 0, Rate: 0, Sum: 0, Min: 0, Max: 0, Mean: 0, Stddev: 0, Labels: {} },
      {
        Name: 'consul.raft.apply',
        Count: 2,
        Rate: 1,
        Sum: 2,
        Min: 1,
        Max: 1,
        Mean: 1,
        Stddev: 0,
        Labels: {},
      },
    ]);
  });

  it('puts timers in Samples in milliseconds, and leaves out a histogram without a timer', () => {
    expect(out.Samples).toHaveLength(1);
    const s = out.Samples[0];
    expect(s?.Name).toBe('cairn_t_seconds');
    expect(s?.Count).toBe(2);
    expect(s?.Sum).toBeCloseTo(6, 9);
    expect(s?.Min).toBeCloseTo(2, 9);
    expect(s?.Max).toBeCloseTo(4, 9);
    expect(s?.Mean).toBeCloseTo(3, 9);
    expect(s?.Stddev).toBeCloseTo(Math.SQRT2, 9);
    expect(s?.Rate).toBeCloseTo(3, 9);
  });

  it('formats any time to the second in UTC', () => {
    expect(goTimestamp(new Date(Date.UTC(2027, 0, 9, 3, 4, 5, 999)))).toBe('2027-01-09 03:04:05 +0000 UTC');
  });
});
