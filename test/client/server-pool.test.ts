import { describe, expect, it } from 'vitest';
import { leaderApiAddress } from '../../src/client/http/leader-hints.js';
import { normalizeServer, ServerPool, watchUrl } from '../../src/client/http/server-pool.js';
import { InvalidArgumentError } from '../../src/client/index.js';

const A = 'http://127.0.0.1:1';
const B = 'http://127.0.0.1:2';
const C = 'http://127.0.0.1:3';

describe('server pool', () => {
  it('normalizes addresses and refuses bad ones', () => {
    expect(normalizeServer('127.0.0.1:8500')).toBe('http://127.0.0.1:8500');
    expect(normalizeServer(' https://cairn.example:443/ ')).toBe('https://cairn.example');
    expect(watchUrl('https://h:1')).toBe('wss://h:1/v1/watch');
    expect(() => normalizeServer('')).toThrow(InvalidArgumentError);
    expect(() => normalizeServer('h:1/v1')).toThrow(/path/);
    expect(() => new ServerPool([], { random: () => 0 })).toThrow(InvalidArgumentError);
  });

  it('starts at a random server and sticks to the one that answered', () => {
    const p = new ServerPool([A, B, C], { random: () => 0.5 });
    expect(p.order(0)).toEqual([B, C, A]);
    p.succeeded(C);
    expect(p.order(0)).toEqual([C, A, B]);
    expect(new ServerPool([A, B, C, A], { random: () => 0 }).servers).toEqual([A, B, C]);
  });

  it('moves a failed server to the back for a back-off that doubles, earliest to recover first', () => {
    const p = new ServerPool([A, B, C], { random: () => 0, downBaseMs: 100, downMaxMs: 1000 });
    p.failed(A, 0);
    expect(p.order(0)).toEqual([B, C, A]);
    p.failed(B, 10);
    expect(p.order(20)).toEqual([C, A, B]);
    expect(p.order(105)).toEqual([C, A, B]);
    expect(p.isDown(A, 105)).toBe(false);
    p.failed(A, 200);
    p.failed(A, 200);
    expect(p.isDown(A, 200 + 399)).toBe(true);
    expect(p.isDown(A, 200 + 401)).toBe(false);
    p.succeeded(A);
    expect(p.isDown(A, 201)).toBe(false);
  });

  it('puts the leader first for writes only, and a write answered by it does not move the preference', () => {
    const p = new ServerPool([A, B, C], { random: () => 0 });
    p.setLeader('127.0.0.1:3');
    expect(p.leader).toBe(C);
    expect(p.order(0, true)).toEqual([C, A, B]);
    expect(p.order(0)).toEqual([A, B, C]);
    p.succeeded(C, false);
    expect(p.preferred).toBe(A);
    p.failed(C, 0);
    expect(p.leader).toBeNull();
  });

  it('reads the leader hint from /v1/agent/members and /v1/status/leader', () => {
    const members = JSON.stringify([
      { Name: 's1', Addr: '127.0.0.1', Port: 8301, Tags: { http: '127.0.0.1:8501' } },
      { Name: 's2', Addr: '127.0.0.1', Port: 8302, Tags: { http: '0.0.0.0:8502' } },
    ]);
    expect(leaderApiAddress(members, '"127.0.0.1:8301"')).toBe('127.0.0.1:8501');
    expect(leaderApiAddress(members, '"127.0.0.1:8302"')).toBeNull();
    expect(leaderApiAddress(members, '""')).toBeNull();
    expect(leaderApiAddress(members, '"10.0.0.9:1"')).toBeNull();
    expect(leaderApiAddress('nope', '""')).toBeUndefined();
  });

  it('a client on https reads the leader hint from Tags.https, never Tags.http', () => {
    const members = JSON.stringify([
      {
        Name: 's1',
        Addr: '127.0.0.1',
        Port: 8301,
        Tags: { http: '127.0.0.1:8500', https: '127.0.0.1:8501' },
      },
      { Name: 's2', Addr: '127.0.0.1', Port: 8302, Tags: { http: '127.0.0.1:8502' } },
      { Name: 's3', Addr: '127.0.0.1', Port: 8303, Tags: { http: '', https: '127.0.0.1:8503' } },
    ]);
    expect(leaderApiAddress(members, '"127.0.0.1:8301"', true)).toBe('https://127.0.0.1:8501');
    expect(leaderApiAddress(members, '"127.0.0.1:8302"', true)).toBeNull();
    expect(leaderApiAddress(members, '"127.0.0.1:8303"', true)).toBe('https://127.0.0.1:8503');
    // A plain client of a server without plain HTTP has nothing to follow.
    expect(leaderApiAddress(members, '"127.0.0.1:8303"')).toBeNull();
  });

  it('over https, follows a hint to an https address it did not know, but not to a plain one', () => {
    const p = new ServerPool(['https://127.0.0.1:1'], { random: () => 0, scheme: 'https' });
    expect(p.https).toBe(true);
    p.setLeader('127.0.0.1:7');
    expect(p.leader).toBeNull();
    expect(p.servers).toEqual(['https://127.0.0.1:1']);
    p.setLeader('https://127.0.0.1:9');
    expect(p.leader).toBe('https://127.0.0.1:9');
    expect(p.servers).toEqual(['https://127.0.0.1:1', 'https://127.0.0.1:9']);
    expect(p.order(0, true)[0]).toBe('https://127.0.0.1:9');
  });
});
