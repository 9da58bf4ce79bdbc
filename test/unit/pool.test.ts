import * as assert from 'node:assert/strict';
import { Gate, mapConcurrent } from '../../src/core/pool';

describe('mapConcurrent', () => {
  it('never runs more than the limit at once, and keeps results in input order', async () => {
    let running = 0;
    let peak = 0;
    const items = Array.from({ length: 30 }, (_, i) => i);
    const results = await mapConcurrent(items, 4, async (item) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, (item * 7) % 5));
      running--;
      return item * 2;
    });
    assert.equal(peak, 4);
    assert.deepEqual(results, items.map((i) => i * 2));
  });

  it('copes with an empty list and with a limit above the item count', async () => {
    assert.deepEqual(await mapConcurrent([], 4, async () => 1), []);
    assert.deepEqual(await mapConcurrent([1, 2], 10, async (x) => x + 1), [2, 3]);
  });
});

describe('Gate', () => {
  it('lets at most its limit in at once, and the others in the order they came', async () => {
    const gate = new Gate(2);
    let inside = 0;
    let peak = 0;
    const entered: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        gate.run(async () => {
          entered.push(i);
          inside++;
          peak = Math.max(peak, inside);
          await new Promise((resolve) => setTimeout(resolve, (i * 3) % 4));
          inside--;
        }),
      ),
    );
    assert.equal(peak, 2);
    assert.deepEqual(entered, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('a waiter whose signal aborts leaves the queue with the given error and takes no place', async () => {
    const gate = new Gate(1);
    let release!: () => void;
    const holder = gate.run(() => new Promise<void>((resolve) => (release = resolve)));
    const controller = new AbortController();
    const ran: string[] = [];
    const cancelled = gate.run(async () => void ran.push('cancelled'), controller.signal, () => new Error('stopped'));
    const next = gate.run(async () => void ran.push('next'));
    controller.abort();
    await assert.rejects(cancelled, /stopped/);
    release();
    await Promise.all([holder, next]);
    assert.deepEqual(ran, ['next']);
    await assert.rejects(gate.run(async () => 1, controller.signal, () => new Error('already')), /already/);
  });

  it('lets turns in by the order they were taken, not by when they became ready; an unused turn given up lets the next in', async () => {
    const gate = new Gate(1);
    const entered: string[] = [];
    const first = gate.reserve();
    const second = gate.reserve();
    const third = gate.reserve();
    const secondRan = second.run(async () => void entered.push('second'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(entered.length, 0, 'the second waits for the first, though there is room and it is ready');
    const firstRan = first.run(async () => void entered.push('first'));
    await Promise.all([firstRan, secondRan]);
    assert.deepEqual(entered, ['first', 'second']);
    const fourth = gate.reserve().run(async () => void entered.push('fourth'));
    third.release();
    await fourth;
    assert.deepEqual(entered, ['first', 'second', 'fourth']);
  });

  it('without a limit, whoever is ready goes', async () => {
    const gate = new Gate(Infinity);
    const slow = gate.reserve();
    assert.equal(await gate.reserve().run(async () => 'fast'), 'fast');
    slow.release();
  });

  it('lets the next in when a task fails', async () => {
    const gate = new Gate(1);
    await assert.rejects(gate.run(async () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await gate.run(async () => 'after'), 'after');
  });
});
