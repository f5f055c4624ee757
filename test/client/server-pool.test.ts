import { describe, expect, it } from 'vitest';
import { leaderHttpAddress } from '../../src/client/http/leader-hints.js';
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
    expect(leaderHttpAddress(members, '"127.0.0.1:8301"')).toBe('127.0.0.1:8501');
    expect(leaderHttpAddress(members, '"127.0.0.1:8302"')).toBeNull();
    expect(leaderHttpAddress(members, '""')).toBeNull();
    expect(leaderHttpAddress(members, '"10.0.0.9:1"')).toBeNull();
    expect(leaderHttpAddress('nope', '""')).toBeUndefined();
  });
});
