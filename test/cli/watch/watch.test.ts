import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../cluster/index.js';
import { UsageError } from '../../../src/cli/errors.js';
import { kvEventOutput, newKvView } from '../../../src/cli/watch/kv-stream.js';
import { parseWatchArgs, serviceEventLines } from '../../../src/cli/watch/service.js';
import { DevAgent } from '../../support/agent.js';
import { http } from '../../support/http.js';
import { Child, distScript } from '../../support/processes.js';

const pair = (Key: string, v: string) => ({
  Key,
  Value: Buffer.from(v).toString('base64'),
  Flags: 0,
  CreateIndex: 1,
  ModifyIndex: 1,
  LockIndex: 0,
});

describe('watch output (pure)', () => {
  it('kv: a key is printed on every change, a delete once', () => {
    const view = newKvView();
    expect(kvEventOutput(view, { event: 'snapshot', index: 1, kv: [] }, 'k', false)).toBe('(deleted)\n');
    expect(
      kvEventOutput(view, { event: 'change', index: 2, kv: { put: [], delete: ['k'] } }, 'k', false),
    ).toBeNull();
    expect(
      Buffer.from(
        kvEventOutput(
          view,
          { event: 'change', index: 3, kv: { put: [pair('k', 'v1')], delete: [] } },
          'k',
          false,
        ) as Uint8Array,
      ).toString(),
    ).toBe('v1\n');
    expect(kvEventOutput(view, { event: 'pong' }, 'k', false)).toBeNull();
  });

  it('kv --recurse: the whole set, sorted, after each change', () => {
    const view = newKvView();
    kvEventOutput(view, { event: 'snapshot', index: 1, kv: [pair('p/b', '2')] }, 'p/', true);
    expect(
      kvEventOutput(
        view,
        { event: 'change', index: 2, kv: { put: [pair('p/a', '1')], delete: [] } },
        'p/',
        true,
      ),
    ).toBe('p/a=1\np/b=2\n');
    expect(
      kvEventOutput(view, { event: 'change', index: 3, kv: { put: [], delete: ['p/a', 'p/b'] } }, 'p/', true),
    ).toBe('(no keys)\n');
  });

  it('service: snapshot list, then +/~/- lines', () => {
    const e = {
      Node: { Node: 'n1', Address: '10.0.0.1' },
      Service: { ID: 'web-1', Address: '', Port: 80 },
      Checks: [{ Status: 'passing' }],
    };
    expect(serviceEventLines({ event: 'snapshot', index: 4, instances: [e] })).toEqual([
      '1 instance(s) at index 4',
      '  n1/web-1 10.0.0.1:80 passing',
    ]);
    expect(
      serviceEventLines({
        event: 'change',
        index: 5,
        instances: {
          added: [],
          changed: [{ ...e, Checks: [{ Status: 'critical' }] }],
          removed: ['n2/web-2'],
        },
      }),
    ).toEqual(['~ n1/web-1 10.0.0.1:80 critical', '- n2/web-2']);
  });

  it('arguments: bad input is a one-line usage error naming the problem', () => {
    expect(parseWatchArgs(['service', 'web', '--passing', '--tag', 'v2'], {})).toMatchObject({
      name: 'web',
      passing: true,
      tag: 'v2',
      addr: '127.0.0.1:8500',
    });
    expect(parseWatchArgs(['service', 'web'], { CAIRN_HTTP_ADDR: '10.0.0.9:8501' }).addr).toBe(
      '10.0.0.9:8501',
    );
    for (const [argv, msg] of [
      [['nodes'], /expected "service NAME"/],
      [['service'], /a service NAME is required/],
      [['service', 'a', 'b'], /unexpected argument "b"/],
      [['service', 'a', '--http-addr', 'nope'], /--http-addr/],
      [['service', 'a', '--bogus'], /Unknown option/],
    ] as const) {
      expect(() => parseWatchArgs(argv, {}), JSON.stringify(argv)).toThrow(UsageError);
      expect(() => parseWatchArgs(argv, {})).toThrow(msg);
    }
  });
});

describe('cairn watch service / cairn kv watch as processes (WebSocket stream)', () => {
  let agent: DevAgent;
  const children: Child[] = [];

  beforeAll(async () => {
    agent = await DevAgent.start();
  });

  afterAll(async () => {
    for (const c of children) await c.kill('SIGKILL');
    await agent?.stop();
  });

  it('prints the instance list, then each change; exits 0 on SIGTERM', async () => {
    const child = new Child(distScript('src/cli/main.js'), [
      'watch',
      'service',
      'web',
      '--http-addr',
      `127.0.0.1:${agent.httpPort}`,
    ]);
    children.push(child);
    await waitUntil('the first answer', async () =>
      child.output.includes('0 instance(s)') ? true : undefined,
    );
    await http('PUT', `${agent.url}/v1/agent/service/register`, {
      Name: 'web',
      ID: 'w1',
      Port: 80,
      Check: { TTL: '30s' },
    });
    await http('PUT', `${agent.url}/v1/agent/check/pass/service:w1`);
    await http('PUT', `${agent.url}/v1/agent/service/deregister/w1`);
    await waitUntil('the three changes', async () => (child.output.includes('- dev/w1') ? true : undefined));
    const lines = child.output.trim().split('\n');
    expect(lines.slice(-3)).toEqual([
      '+ dev/w1 127.0.0.1:80 critical',
      '~ dev/w1 127.0.0.1:80 passing',
      '- dev/w1',
    ]);
    const exited = new Promise<number | null>((resolve) => child.proc.once('exit', (code) => resolve(code)));
    child.proc.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('kv watch prints the current value and every new one', async () => {
    await http('PUT', `${agent.url}/v1/kv/cfg/mode`, 'blue');
    const child = new Child(distScript('src/cli/main.js'), [
      'kv',
      'watch',
      'cfg/mode',
      '--http-addr',
      `127.0.0.1:${agent.httpPort}`,
    ]);
    children.push(child);
    await waitUntil('the current value', async () => (child.output.includes('blue') ? true : undefined));
    await http('PUT', `${agent.url}/v1/kv/cfg/mode`, 'green');
    await http('DELETE', `${agent.url}/v1/kv/cfg/mode`);
    await waitUntil('the delete', async () => (child.output.includes('(deleted)') ? true : undefined));
    expect(child.output.trim().split('\n')).toEqual(['blue', 'green', '(deleted)']);
  });
});
