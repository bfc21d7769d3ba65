/**
 * The log writer thread exits and is started again; with no file descriptor free, `new Worker`
 * ends the whole process (bun 1.4.5), so the restart waits until one is free. The rows accepted
 * meanwhile stay queued and are all written once it starts. Before, the restart started the
 * thread regardless and the process ended with "bun ran out of file descriptors".
 */
import { afterEach, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogSink } from '../../src/logging/log-sink';
import { makeRecord, tempDb, waitFor } from './log-test-helpers';

const exitingWriter = new URL('./fixtures/exiting-writer.ts', import.meta.url).href;
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const rowsOf = (sqlite: ReturnType<typeof tempDb>['sqlite'], ids: string[]) =>
  (sqlite.query(`SELECT count(*) AS n FROM request_logs WHERE request_id IN (${ids.map(() => '?').join(',')})`).get(...ids) as { n: number }).n;

test('a writer restart waits while no descriptor is free; the rows accepted meanwhile are all written, none dropped', async () => {
  const t = tempDb();
  let full = true;
  let checks = 0;
  const sink = createLogSink({
    dbPath: t.path, batchSize: 50, flushMs: 10, workerUrl: exitingWriter,
    descriptorsExhausted: () => (checks++, full ? 'EMFILE' : null),
  });
  cleanups.push(t.cleanup, () => sink.close());
  writeFileSync(`${t.path}.exit`, ''); // the first batch makes the writer exit
  for (let i = 0; i < 120; i++) sink.write(makeRecord(i));
  await waitFor(() => checks >= 2); // it checked, waited, and checked again
  for (let i = 120; i < 200; i++) sink.write(makeRecord(i));
  expect(sink.stats()).toMatchObject({ depth: 200, dropped: 0, written: 0, error: expect.stringContaining('EMFILE') });
  full = false;
  await waitFor(() => sink.stats().written === 200);
  expect(sink.stats()).toEqual({ depth: 0, dropped: 0, written: 200 });
  expect(rowsOf(t.sqlite, Array.from({ length: 200 }, (_, i) => `req-${i}`))).toBe(200);
}, 30_000);

const canPrlimit = process.platform === 'linux' && Bun.which('prlimit') !== null;

test.skipIf(!canPrlimit)('at the real open-file limit the process survives the writer exit and writes every row once descriptors are free', async () => {
  const t = tempDb();
  cleanups.push(t.cleanup);
  const count = 300;
  const proc = Bun.spawn(['prlimit', '--nofile=128:128', process.execPath, join(import.meta.dir, 'fixtures/restart-at-fd-limit.ts'), t.path, String(count)], { stdout: 'pipe', stderr: 'pipe' });
  const killer = setTimeout(() => proc.kill(), 40_000);
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(killer);
  expect(err).not.toContain('ran out of file descriptors');
  expect(code).toBe(0);
  expect(err).toContain('no file descriptor free');
  expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({ depth: 0, dropped: 0, written: count + 1 });
  expect(rowsOf(t.sqlite, Array.from({ length: count + 1 }, (_, i) => `req-${i}`))).toBe(count + 1);
}, 60_000);
