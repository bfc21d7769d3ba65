/**
 * CI's `bun run test` (scripts/watched-test-run.ts): a file with a failed test runs once more
 * alone; passing then, the run passes and the file is named FLAKY at the end of the log; failing
 * again, the run fails. The failed tests are listed last either way. Driven on a folder of small
 * test files of its own, as CI runs it.
 */
import { afterAll, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const WATCHER = join(import.meta.dir, '../../scripts/watched-test-run.ts');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A folder with `test/<name>.test.ts` files; the watcher run in it: exit code and stderr. */
function watch(files: Record<string, string>): { code: number; err: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gg-watched-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'test'));
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, 'test', `${name}.test.ts`), `import { expect, test } from 'bun:test';\nimport { existsSync, writeFileSync } from 'node:fs';\n${body}\n`);
  const p = Bun.spawnSync(['bun', '-e', `import { watchedTestRun } from ${JSON.stringify(WATCHER)}; process.exit(await watchedTestRun([], 60_000));`], { cwd: dir, stdout: 'pipe', stderr: 'pipe', timeout: 60_000 });
  return { code: p.exitCode ?? -1, err: p.stderr.toString() };
}

const PASSES = `test('fine', () => expect(1).toBe(1));`;
/** Fails the first time it runs in its folder, passes after. */
const FLAKY = `test('first time fails', () => { const seen = existsSync('ran-once'); writeFileSync('ran-once', ''); expect(seen).toBe(true); });`;
const FAILS = `test('always fails', () => expect(1).toBe(2));`;

test('all passing: exit 0, nothing run again', () => {
  const { code, err } = watch({ a: PASSES, b: PASSES });
  expect(code).toBe(0);
  expect(err).not.toContain('[test]');
});

test('a file that fails once and passes alone: the run passes, the file named FLAKY and its failure listed', () => {
  const { code, err } = watch({ a: PASSES, flaky: FLAKY });
  expect(code).toBe(0);
  expect(err).toContain('[test] 1 test(s) failed in 1 file(s); running those files once more, alone');
  expect(err).toContain('  test/flaky.test.ts: (fail) first time fails');
  expect(err).toContain('[test] FLAKY: test/flaky.test.ts passed when run again alone; the run passes (mend them)');
});

test('a file that fails again alone: the run fails, both failures listed', () => {
  const { code, err } = watch({ a: PASSES, flaky: FLAKY, bad: FAILS });
  expect(code).toBe(1);
  expect(err).toContain('[test] 2 test(s) failed in 2 file(s)');
  expect(err).toContain('[test] failed again, alone:\n  test/bad.test.ts: (fail) always fails');
  expect(err).not.toContain('FLAKY');
  expect(err.trimEnd()).toEndWith('[test] the run fails');
}, 30_000);
