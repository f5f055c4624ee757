import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ExitHooks, type ExitSignal, type SignalTarget } from '../../src/client/register/exit-hooks.js';

class FakeProcess extends EventEmitter implements SignalTarget {
  readonly pid = 4242;
  readonly kills: [number, ExitSignal][] = [];
  kill(pid: number, signal: ExitSignal): boolean {
    this.kills.push([pid, signal]);
    return true;
  }
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('exit hooks', () => {
  it('closes on SIGTERM, then raises the signal again when nobody else listens', async () => {
    const p = new FakeProcess();
    const hooks = new ExitHooks(p, 1000);
    const order: string[] = [];
    hooks.add(async () => {
      await tick();
      order.push('closed');
    });
    expect(p.listenerCount('SIGTERM')).toBe(1);
    expect(p.listenerCount('SIGINT')).toBe(1);
    p.emit('SIGTERM', 'SIGTERM');
    expect(p.kills).toEqual([]);
    await tick();
    await tick();
    expect(order).toEqual(['closed']);
    expect(p.kills).toEqual([[4242, 'SIGTERM']]);
    // Our listener is gone, so the raised signal takes Node's default action (exit).
    expect(p.listenerCount('SIGTERM')).toBe(0);
  });

  it('leaves the exit to the application when it listens too', async () => {
    const p = new FakeProcess();
    const hooks = new ExitHooks(p, 1000);
    let closed = false;
    hooks.add(async () => {
      closed = true;
    });
    p.on('SIGINT', () => {});
    p.emit('SIGINT', 'SIGINT');
    await tick();
    expect(closed).toBe(true);
    expect(p.kills).toEqual([]);
  });

  it('does not wait past its timeout, and a second signal raises at once', async () => {
    const p = new FakeProcess();
    const hooks = new ExitHooks(p, 20);
    hooks.add(() => new Promise(() => {}));
    p.emit('SIGTERM', 'SIGTERM');
    p.emit('SIGTERM', 'SIGTERM');
    expect(p.kills).toEqual([[4242, 'SIGTERM']]);
    const q = new FakeProcess();
    const slow = new ExitHooks(q, 20);
    slow.add(() => new Promise(() => {}));
    q.emit('SIGINT', 'SIGINT');
    await new Promise((r) => setTimeout(r, 60));
    expect(q.kills).toEqual([[4242, 'SIGINT']]);
  });

  it('listens only while something is registered', () => {
    const p = new FakeProcess();
    const hooks = new ExitHooks(p);
    const a = hooks.add(async () => {});
    const b = hooks.add(async () => {});
    a();
    expect(p.listenerCount('SIGTERM')).toBe(1);
    b();
    expect(p.listenerCount('SIGTERM')).toBe(0);
  });
});
