/**
 * BackgroundFollower on its own: a followed response is read until it ends and finished exactly
 * once, with the usage seen last; gone, given up, too many and shutdown each end it too.
 */
import { expect, test } from 'bun:test';
import { BackgroundFollower, type ResponseState } from '../../src/responses/background-follower';
import type { Usage } from '../../src/usage/types';

const usage = (output: number): Usage => ({ input: 10, cachedInput: 0, output, reasoning: 0 });
const fast = { firstPollMs: 1, maxPollMs: 2 };

/** A followed response answering `states` in turn (the last one repeats); an Error is thrown. */
function followed(states: (ResponseState | Error)[]) {
  const finished: (Usage | null)[] = [];
  let reads = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  return {
    reads: () => reads,
    finished,
    done,
    read: async () => {
      const s = states[Math.min(reads++, states.length - 1)]!;
      if (s instanceof Error) throw s;
      return s;
    },
    finish: (u: Usage | null) => {
      finished.push(u);
      resolveDone();
    },
  };
}
const gone = () => Object.assign(new Error('not found'), { status: 404 });

test('read until a terminal status, then finished once with its usage', async () => {
  const f = new BackgroundFollower(fast);
  const r = followed([{ status: 'queued', usage: null }, { status: 'in_progress', usage: null }, { status: 'completed', usage: usage(42) }]);
  f.follow(r);
  expect(f.size).toBe(1);
  await r.done;
  expect(r.finished).toEqual([usage(42)]);
  expect(r.reads()).toBe(3);
  expect(f.size).toBe(0);
  await Bun.sleep(10);
  expect(r.reads()).toBe(3); // no read after the end
});

test('failed, cancelled and incomplete end it too; a read that fails for a while is tried again', async () => {
  for (const status of ['failed', 'cancelled', 'incomplete']) {
    const f = new BackgroundFollower(fast);
    const r = followed([new Error('upstream 502'), new Error('timeout'), { status, usage: usage(7) }]);
    f.follow(r);
    await r.done;
    expect([status, r.finished, r.reads()]).toEqual([status, [usage(7)], 3]);
  }
});

test('a response gone at the upstream (404) ends with the last usage seen', async () => {
  const f = new BackgroundFollower(fast);
  const r = followed([{ status: 'in_progress', usage: usage(3) }, gone()]);
  f.follow(r);
  await r.done;
  expect(r.finished).toEqual([usage(3)]);
});

test('given up at the deadline with the last usage seen (none here)', async () => {
  const f = new BackgroundFollower({ ...fast, deadlineMs: 20 });
  const r = followed([{ status: 'in_progress', usage: null }]);
  f.follow(r);
  await r.done;
  expect(r.finished).toEqual([null]);
  expect(r.reads()).toBeGreaterThan(1);
});

test('past `max` responses followed, a new one is finished at once without a read', () => {
  const f = new BackgroundFollower({ ...fast, max: 1 });
  const first = followed([{ status: 'in_progress', usage: null }]);
  const second = followed([{ status: 'completed', usage: usage(1) }]);
  f.follow(first);
  f.follow(second);
  expect(second.finished).toEqual([null]);
  expect(second.reads()).toBe(0);
  expect(f.size).toBe(1);
  return f.drain(1_000);
});

test('drain reads each once more and finishes all; afterwards nothing is followed', async () => {
  const f = new BackgroundFollower({ firstPollMs: 60_000 });
  const done = followed([{ status: 'completed', usage: usage(9) }]);
  const running = followed([{ status: 'in_progress', usage: null }]);
  const unreadable = followed([new Error('down')]);
  for (const r of [done, running, unreadable]) f.follow(r);
  await f.drain(1_000);
  expect([done.finished, running.finished, unreadable.finished]).toEqual([[usage(9)], [null], [null]]);
  expect(f.size).toBe(0);
  const late = followed([{ status: 'completed', usage: usage(1) }]);
  f.follow(late);
  expect([late.finished, late.reads()]).toEqual([[null], 0]);
});

test('a finish that throws is reported, not left as an unhandled rejection; the follower goes on', async () => {
  const f = new BackgroundFollower(fast);
  const errors: unknown[] = [];
  const original = console.error;
  console.error = (...a: unknown[]) => void errors.push(a.join(' '));
  try {
    const bad = followed([gone()]);
    bad.finish = () => {
      throw new Error('row writer broke');
    };
    f.follow(bad);
    const good = followed([{ status: 'completed', usage: usage(5) }]);
    f.follow(good);
    await good.done;
    for (let i = 0; i < 100 && errors.length === 0; i++) await Bun.sleep(2);
    expect(String(errors[0])).toContain('row writer broke');
    expect(good.finished).toEqual([usage(5)]);
    expect(f.size).toBe(0);
  } finally {
    console.error = original;
  }
});
