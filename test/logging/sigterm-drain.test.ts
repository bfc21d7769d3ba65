import { afterEach, expect, test } from 'bun:test';
import { join } from 'node:path';
import { tempDb } from './log-test-helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

test('SIGTERM with rows in flight: the process exits only after every row is written', async () => {
  const t = tempDb();
  cleanups.push(t.cleanup);
  const count = 20_003;
  const child = Bun.spawn(['bun', join(import.meta.dir, 'fixtures', 'sigterm-writer.ts'), t.path, String(count)], {
    stdout: 'pipe',
    stderr: 'inherit',
  });
  const reader = child.stdout.getReader();
  let out = '';
  while (!out.includes('ready')) {
    const { value, done } = await reader.read();
    if (done) break;
    out += new TextDecoder().decode(value);
  }
  child.kill('SIGTERM');
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    out += new TextDecoder().decode(value);
  }
  expect(await child.exited).toBe(0);
  const stats = JSON.parse(out.trim().split('\n').pop()!);
  expect(stats).toEqual({ depth: 0, dropped: 0, written: count });
  expect((t.sqlite.query('SELECT count(*) AS n FROM request_logs').get() as { n: number }).n).toBe(count);
  expect((t.sqlite.query('SELECT sum(requests) + (SELECT count(*) FROM request_logs WHERE endpoint = \'classifier\') AS n FROM usage_hourly').get() as { n: number }).n).toBe(count);
});
