import { expect, test } from 'bun:test';
import { ApiError } from '../../src/errors/api-error';
import { UpstreamSlots, takeSlot, type HeldCall } from '../../src/proxy/upstream-slots';

test('slots are handed to waiters first come, first served; a release runs once however often it is called', async () => {
  const slots = new UpstreamSlots(1, 10_000);
  const clock = { queueMs: 0 };
  const first = await takeSlot(slots, undefined, clock);
  const order: number[] = [];
  const waiting = [1, 2, 3].map((n) => Promise.resolve(takeSlot(slots, undefined, clock)).then((release) => (order.push(n), release)));
  expect(slots.waiting).toBe(3);
  first();
  first(); // a second call must not free another slot
  const r1 = await waiting[0]!;
  expect(slots.inUse).toBe(1);
  expect(slots.waiting).toBe(2);
  r1();
  (await waiting[1]!)();
  (await waiting[2]!)();
  expect(order).toEqual([1, 2, 3]);
  expect(slots.inUse).toBe(0);
  expect(clock.queueMs).toBeGreaterThan(0);
});

test('waiters that left are skipped and do not pile up', async () => {
  const slots = new UpstreamSlots(1, 10_000);
  const release = await takeSlot(slots, undefined, { queueMs: 0 });
  const gone: Promise<unknown>[] = [];
  for (let i = 0; i < 5000; i++) {
    const ac = new AbortController();
    gone.push(Promise.resolve(takeSlot(slots, ac.signal, { queueMs: 0 })).catch((e) => e));
    ac.abort();
  }
  const errors = await Promise.all(gone);
  expect(errors.every((e) => e instanceof ApiError && e.code === 'client_closed_request')).toBe(true);
  expect(slots.waiting).toBe(0);
  expect((slots as any).queue.length).toBeLessThan(2048);
  const next = takeSlot(slots, undefined, { queueMs: 0 });
  release();
  (await next)();
  expect(slots.inUse).toBe(0);
});

test('past the queue timeout: 503 overloaded in OpenAI shape with retry-after, counted as refused', async () => {
  const slots = new UpstreamSlots(1, 20);
  const release = await takeSlot(slots, undefined, { queueMs: 0 });
  const err = (await Promise.resolve(takeSlot(slots, undefined, { queueMs: 0 })).catch((e) => e)) as ApiError;
  expect(err.status).toBe(503);
  expect(err.toBody().error).toMatchObject({ type: 'server_error', code: 'overloaded', param: null });
  expect(err.headers['retry-after']).toBe('1');
  expect(slots.refused).toBe(1);
  expect(slots.waiting).toBe(0);
  release();
  expect(slots.inUse).toBe(0);
});

test('held calls: any order of letting go keeps the list whole; cutAll cuts each call held, once', () => {
  const slots = new UpstreamSlots(100, 10_000);
  const cuts: number[] = [];
  const calls: HeldCall[] = [0, 1, 2, 3, 4].map((n) => ({ prevHeld: null, nextHeld: null, cut: () => void cuts.push(n) }));
  for (const c of calls) slots.hold(c);
  expect(slots.heldCount()).toBe(5);
  slots.letGo(calls[2]!); // middle
  slots.letGo(calls[4]!); // the head (last held)
  slots.letGo(calls[0]!); // the tail
  slots.letGo(calls[0]!); // again: nothing
  slots.letGo({ prevHeld: null, nextHeld: null, cut: () => void cuts.push(9) }); // never held: nothing
  expect(slots.heldCount()).toBe(2);
  // A cut call lets itself go at once (its dispose runs within the abort), as UpstreamCallInFlight's may.
  calls[1]!.cut = () => void (cuts.push(1), slots.letGo(calls[1]!));
  slots.cutAll();
  expect(cuts.sort()).toEqual([1, 3]);
  expect(slots.cutting).toBe(true);
  expect(slots.heldCount()).toBe(1);
});
