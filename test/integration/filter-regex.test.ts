import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevAgent } from '../support/agent.js';
import { http } from '../support/http.js';

/** IDs on which a backtracking engine takes time doubling per character for `(b|b)*c`. */
const IDS = ['b'.repeat(120), `${'b'.repeat(119)}c`, `web-${'a'.repeat(100)}`];

const services = async (agent: DevAgent, filter: string) =>
  http<Record<string, unknown>>('GET', `${agent.url}/v1/agent/services?filter=${encodeURIComponent(filter)}`);

describe('?filter= matches on a real agent', () => {
  let agent: DevAgent;

  beforeAll(async () => {
    agent = await DevAgent.start();
    for (const id of IDS) await agent.put('/v1/agent/service/register', { Name: 'long', ID: id, Port: 80 });
  });

  afterAll(async () => {
    await agent?.stop();
  });

  it('answers a hostile pattern over long IDs with 200 and the right services', async () => {
    const r = await services(agent, 'ID matches "(b|b)*c"');
    expect(r.status, r.text).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual([IDS[1]]);

    const not = await services(agent, 'ID not matches "(b|b)*c" and Service == long');
    expect(Object.keys(not.json).sort()).toEqual([IDS[0], IDS[2]].sort());
  });

  it('stays responsive: a second request after the hostile ones answers normally', async () => {
    for (const pattern of ['(a?){30}a{30}', '(a+)+b', '(a|aa)*b', '(.*a){20}']) {
      const r = await services(agent, `ID matches "${pattern}"`);
      expect(r.status, `${pattern}: ${r.text}`).toBe(200);
    }
    const r = await services(agent, 'ID matches "(?i)^WEB-"');
    expect(Object.keys(r.json)).toEqual([IDS[2]]);
  });

  it('answers a refused pattern with a 400 naming it, prefixed "filter:" once', async () => {
    const bad = await services(agent, 'ID matches "(a"');
    expect(bad.status).toBe(400);
    expect(bad.text).toBe('filter: the regular expression "(a" is not valid: missing closing ) at column 12');
    const large = await services(agent, 'ID matches "x{1000}"');
    expect(large.status).toBe(400);
    expect(large.text).toMatch(/^filter: the regular expression "x\{1000\}" is too large: /);
  });
});
