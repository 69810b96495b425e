import { describe, expect, it } from 'vitest';
import { Turnstile } from '../../src/engine/adapter-kit.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Turnstile.tryEnter', () => {
  it('lets a caller in at once only when nobody holds or waits', async () => {
    const gate = new Turnstile();
    const first = gate.tryEnter();
    expect(first).toBeTypeOf('function');
    expect(gate.tryEnter()).toBeUndefined();
    first?.();
    expect(gate.tryEnter()).toBeTypeOf('function');
  });

  it('makes enter() wait for the holder it let in, and hands over in call order', async () => {
    const gate = new Turnstile();
    const order: string[] = [];
    const release = gate.tryEnter() as () => void;
    const b = gate.enter().then((leave) => {
      order.push('b');
      return leave;
    });
    const c = gate.enter().then((leave) => {
      order.push('c');
      leave();
    });
    await tick();
    expect(order).toEqual([]);
    // A waiter is queued: tryEnter must not jump the queue.
    expect(gate.tryEnter()).toBeUndefined();
    release();
    const leaveB = await b;
    await tick();
    expect(order).toEqual(['b']);
    leaveB();
    await c;
    expect(order).toEqual(['b', 'c']);
    expect(gate.tryEnter()).toBeTypeOf('function');
  });

  it('is released once, whatever the number of calls', async () => {
    const gate = new Turnstile();
    const release = gate.tryEnter() as () => void;
    const waiter = gate.enter();
    release();
    release();
    const leave = await waiter;
    // Still held by the waiter: a second release of the first holder did not free it.
    expect(gate.tryEnter()).toBeUndefined();
    leave();
    expect(gate.tryEnter()).toBeTypeOf('function');
  });

  it('times a waiter out behind a tryEnter holder, then lets the next one in', async () => {
    const gate = new Turnstile();
    const release = gate.tryEnter() as () => void;
    const late = gate.enter({ ms: 20, error: () => new Error('waited too long') });
    await expect(late).rejects.toThrow('waited too long');
    release();
    const next = await gate.enter();
    next();
    expect(gate.tryEnter()).toBeTypeOf('function');
  });
});
