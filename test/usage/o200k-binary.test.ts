import { afterAll, expect, setDefaultTimeout, test } from 'bun:test';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { BUILD_ENTRYPOINTS, compileArgs } from '../../scripts/build-entrypoints';

// Compiling an executable takes seconds (more on a loaded CI machine). A limit only bounds a hang.
setDefaultTimeout(120_000);

const root = join(import.meta.dir, '../..');
const dir = mkdtempSync(join(tmpdir(), 'gg-o200k-bin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The o200k vocabulary is a file embedded into the executable (src/usage/o200k-tables.ts): in a
// binary built with `bun run build`'s arguments it must be found inside it, by the worker too.
test('a compiled executable counts with its embedded vocabulary, on the token-count worker and on its own thread', () => {
  const args = compileArgs(join(dir, 'build', 'probe'));
  const at = args.indexOf('./src/main.ts');
  args.splice(at, 1, './test/helpers/token-count-probe.ts');
  const built = Bun.spawnSync(['bun', ...args], { cwd: root, stdout: 'pipe', stderr: 'pipe', timeout: 110_000 });
  if (built.exitCode !== 0) throw new Error(`build failed:\n${built.stderr.toString()}`);
  // Run from a folder of its own: nothing beside it to read the vocabulary from.
  const alone = mkdtempSync(join(dir, 'run-'));
  copyFileSync(join(dir, 'build', 'probe'), join(alone, 'probe'));
  const texts = ['Hello, world!', 'naïve café – 東京 🚀', "They're here: {\"n\": 12345}", `ab ${'x'.repeat(300)}`];
  const run = Bun.spawnSync([join(alone, 'probe'), JSON.stringify(texts)], { cwd: alone, env: {}, stdout: 'pipe', stderr: 'pipe', timeout: 30_000 });
  expect(run.stderr.toString()).toBe('');
  const out = JSON.parse(run.stdout.toString()) as { worker: number[]; direct: number[] };
  const expected = [4, 8, 10, countTokens(`ab ${'x'.repeat(125)}`) + countTokens('x'.repeat(128)) + countTokens('x'.repeat(47))];
  expect(texts.slice(0, 3).map((t) => countTokens(t))).toEqual(expected.slice(0, 3));
  expect(out.direct).toEqual(expected);
  expect(out.worker).toEqual(expected);
});

// gpt-tokenizer is only the tests' oracle and the source of the vocabulary file: its tables (a
// 2.7 MB array of strings, 50-80 MiB once loaded) must not come back into the build.
test("the build holds the vocabulary as one embedded file and none of gpt-tokenizer's code", async () => {
  const r = await Bun.build({ entrypoints: BUILD_ENTRYPOINTS.map((e) => join(root, e)), root: join(root, 'src'), target: 'bun', format: 'esm', minify: true });
  expect(r.success).toBe(true);
  const vocab = r.outputs.filter((o) => o.path.endsWith('.tiktoken'));
  expect(vocab.map((o) => o.size)).toEqual([Bun.file(join(root, 'node_modules/gpt-tokenizer/data/o200k_base.tiktoken')).size]);
  for (const o of r.outputs.filter((o) => o.kind === 'entry-point')) {
    const text = await o.text();
    expect(text).not.toContain('Disallowed special token');
    expect(text).not.toContain('bytePairRankDecoder');
  }
}, 60_000);
