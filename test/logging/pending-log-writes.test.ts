import { expect, test } from 'bun:test';
import { PendingLogWrites } from '../../src/proxy/pending-log-writes';

test('settled waits for every tracked write, including ones tracked while it waits', async () => {
  const writes = new PendingLogWrites();
  const done: string[] = [];
  writes.track(Bun.sleep(30).then(() => {
    done.push('first');
    // A write that starts while shutdown is already waiting.
    writes.track(Bun.sleep(30).then(() => done.push('second')));
  }));
  await writes.settled();
  expect(done).toEqual(['first', 'second']);
});

test('a failed write is reported, not an unhandled rejection, and does not block shutdown', async () => {
  const said: unknown[] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => void said.push(a.join(' '));
  try {
    const writes = new PendingLogWrites();
    writes.track(Promise.reject(new Error('disk on fire')));
    await writes.settled();
  } finally {
    console.error = orig;
  }
  expect(String(said[0])).toContain('disk on fire');
});
