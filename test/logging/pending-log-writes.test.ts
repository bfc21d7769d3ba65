import { expect, test } from 'bun:test';
import { logWritesSettled, trackLogWrite } from '../../src/proxy/pending-log-writes';

test('settled waits for every tracked write, including ones tracked while it waits', async () => {
  const done: string[] = [];
  trackLogWrite(Bun.sleep(30).then(() => {
    done.push('first');
    // A write that starts while shutdown is already waiting.
    trackLogWrite(Bun.sleep(30).then(() => done.push('second')));
  }));
  await logWritesSettled();
  expect(done).toEqual(['first', 'second']);
});

test('a failed write is reported, not an unhandled rejection, and does not block shutdown', async () => {
  const said: unknown[] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => void said.push(a.join(' '));
  try {
    trackLogWrite(Promise.reject(new Error('disk on fire')));
    await logWritesSettled();
  } finally {
    console.error = orig;
  }
  expect(String(said[0])).toContain('disk on fire');
});
