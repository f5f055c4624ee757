import { describe, expect, it } from 'vitest';
import { Ewma } from '../../src/balance/index.js';

describe('Ewma', () => {
  it('is unknown until the first sample, which it then reports as is', () => {
    const e = new Ewma(1000);
    expect(e.value(0)).toBeNull();
    e.observe(80, 5);
    expect(e.value(5)).toBe(80);
  });

  it('gives a sample one half-life after the last half the weight', () => {
    const e = new Ewma(1000);
    e.observe(100, 0);
    e.observe(200, 1000);
    expect(e.value(1000)).toBeCloseTo(150, 9);
    e.observe(50, 3000);
    expect(e.value(3000)).toBeCloseTo(150 * 0.25 + 50 * 0.75, 9);
  });

  it('stays put under a constant latency', () => {
    const e = new Ewma(500);
    for (let t = 0; t < 10_000; t += 37) e.observe(42, t);
    expect(e.value(9990)).toBeCloseTo(42, 6);
  });

  it('decays toward zero while no samples arrive, without changing on read', () => {
    const e = new Ewma(1000);
    e.observe(100, 0);
    expect(e.value(1000)).toBeCloseTo(50, 9);
    expect(e.value(2000)).toBeCloseTo(25, 9);
    expect(e.value(1000)).toBeCloseTo(50, 9);
  });

  it('does not grow when the clock steps back', () => {
    const e = new Ewma(1000);
    e.observe(100, 5000);
    expect(e.value(0)).toBe(100);
    e.observe(300, 4000);
    expect(e.value(5000)).toBe(100);
  });

  it('rejects nonsense', () => {
    for (const h of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new Ewma(h), String(h)).toThrow(RangeError);
    }
    const e = new Ewma(1000);
    for (const v of [-1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => e.observe(v, 0), String(v)).toThrow(RangeError);
    expect(() => e.observe(1, Number.NaN)).toThrow(RangeError);
    expect(e.value(0)).toBeNull();
  });
});
