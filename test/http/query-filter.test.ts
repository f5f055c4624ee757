import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError } from '../../src/http/errors.js';
import { FILTER_LIMITS, type FilterLimit } from '../../src/http/filter/index.js';
import { type FilterCounts, queryFilter } from '../../src/http/query-filter.js';
import { InProcessCluster, type InProcessServer } from '../support/in-process.js';

/** Records what queryFilter reports. */
function recorder(): FilterCounts & { refused: FilterLimit[]; cut: number } {
  const counts = {
    refused: [] as FilterLimit[],
    cut: 0,
    filterRefused: (reason: FilterLimit) => counts.refused.push(reason),
    filterSubjectCut: () => counts.cut++,
  };
  return counts;
}

function refusal(filter: string, counts = recorder()): HttpError {
  try {
    queryFilter({ filter }, counts);
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    return error as HttpError;
  }
  throw new Error(`${JSON.stringify(filter)} was accepted`);
}

/** One hostile filter per reason, each refused for that reason alone. */
const HOSTILE: Record<FilterLimit, string> = {
  expression_length: `ID == "${'x'.repeat(5000)}"`,
  nesting: `${'('.repeat(70)}ID == "a"${')'.repeat(70)}`,
  pattern_length: `ID matches "${'a'.repeat(1025)}"`,
  pattern_count: Array.from({ length: 17 }, (_, i) => `ID matches "p${i}"`).join(' or '),
  program_size: 'ID matches ".{500}"',
  invalid_pattern: 'ID matches "(a"',
};

describe('queryFilter', () => {
  it('is null without a filter and a predicate with one', () => {
    const counts = recorder();
    expect(queryFilter({}, counts)).toBeNull();
    expect(queryFilter({ filter: '' }, counts)).toBeNull();
    expect(queryFilter({ filter: 'ID matches "^web"' }, counts)?.({ ID: 'web-1' })).toBe(true);
    expect(counts.refused).toEqual([]);
  });

  it('answers a malformed expression with a 400 whose message says "filter:" once, and counts no limit', () => {
    const counts = recorder();
    const error = refusal('Service.ID web', counts);
    expect(error.status).toBe(400);
    expect(error.message).toBe(
      'filter: expected an operator ("==", "!=", "is empty", "is not empty", "contains", "matches" or "in") after the selector "Service.ID" but found "web" at column 12',
    );
    expect(counts.refused).toEqual([]);
  });

  it('answers a bad regular expression with a 400 naming it, "filter:" once', () => {
    const error = refusal('ID matches "(a"');
    expect(error.status).toBe(400);
    expect(error.message).toBe(
      'filter: the regular expression "(a" is not valid: missing closing ) at column 12',
    );
  });

  it.each(FILTER_LIMITS)('reports a refusal for %s with that reason', (reason) => {
    const counts = recorder();
    expect(refusal(HOSTILE[reason], counts).status).toBe(400);
    expect(counts.refused).toEqual([reason]);
  });

  it('reports a cut subject once per filter, however many values were cut', () => {
    const counts = recorder();
    const filter = queryFilter({ filter: 'ID matches "b$"' }, counts);
    const long = `${'a'.repeat(5000)}b`;
    // The `b` sits past the cut, so the pattern does not see it.
    expect(filter?.({ ID: long })).toBe(false);
    expect(filter?.({ ID: long })).toBe(false);
    expect(filter?.({ ID: 'ab' })).toBe(true);
    expect(counts.cut).toBe(1);
    expect(queryFilter({ filter: 'ID matches "b$"' }, counts)?.({ ID: 'ab' })).toBe(true);
    expect(counts.cut).toBe(1);
  });
});

function sample(text: string, series: string): number {
  const escaped = series.replace(/[{}"]/g, (c) => `\\${c}`);
  const m = new RegExp(`^${escaped} (\\d+)$`, 'm').exec(text);
  if (!m) throw new Error(`no ${series} in the metrics`);
  return Number(m[1]);
}

describe('?filter= refusals in the metrics (in process)', () => {
  let c: InProcessCluster;
  let s: InProcessServer;
  beforeAll(async () => {
    c = await InProcessCluster.start();
    s = c.leader();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('shows every reason at 0 before any refusal', async () => {
    const text = await s.ctx.metrics.text();
    for (const reason of FILTER_LIMITS) {
      expect(sample(text, `cairn_filter_refused_total{reason="${reason}"}`)).toBe(0);
    }
  });

  it.each(FILTER_LIMITS)(
    'a filter refused for %s is a 400 that adds 1 to its reason only',
    async (reason) => {
      const before = await s.ctx.metrics.text();
      const url = `/v1/catalog/service/web?filter=${encodeURIComponent(HOSTILE[reason])}`;
      const answer = await s.request('GET', url);
      expect(answer.status).toBe(400);
      expect(answer.text).toMatch(/^filter: /);
      const after = await s.ctx.metrics.text();
      for (const other of FILTER_LIMITS) {
        const series = `cairn_filter_refused_total{reason="${other}"}`;
        expect(sample(after, series) - sample(before, series), other).toBe(other === reason ? 1 : 0);
      }
    },
  );

  it('a malformed filter is a 400 that counts no limit', async () => {
    const before = await s.ctx.metrics.text();
    const answer = await s.request('GET', `/v1/health/checks/web?filter=${encodeURIComponent('ID ==')}`);
    expect(answer.status).toBe(400);
    const after = await s.ctx.metrics.text();
    for (const reason of FILTER_LIMITS) {
      const series = `cairn_filter_refused_total{reason="${reason}"}`;
      expect(sample(after, series)).toBe(sample(before, series));
    }
  });

  it('a pattern run on a value longer than the subject limit is answered and counted as cut', async () => {
    await s.put('/v1/agent/service/register', { Name: 'web', ID: 'web-1', Port: 80, Check: { TTL: '1m' } });
    const note = `${'a'.repeat(5000)}b`;
    await s.put(`/v1/agent/check/pass/service:web-1?note=${note}`);
    const seen = await s.request<unknown[]>('GET', '/v1/health/checks/web?filter=Output%20matches%20%22a%22');
    expect(seen.json).toHaveLength(1);
    const before = sample(await s.ctx.metrics.text(), 'cairn_filter_subjects_cut_total');
    const answer = await s.request<unknown[]>(
      'GET',
      '/v1/health/checks/web?filter=Output%20matches%20%22b%24%22',
    );
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual([]);
    expect(sample(await s.ctx.metrics.text(), 'cairn_filter_subjects_cut_total')).toBe(before + 1);
  });
});
