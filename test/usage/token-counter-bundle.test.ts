import { expect, test } from 'bun:test';
import { join } from 'node:path';
import { BUILD_ENTRYPOINTS } from '../../scripts/build-entrypoints';

const root = join(import.meta.dir, '../..');

// The o200k counter and its tables (~4 MiB once built from the embedded vocabulary) belong to the
// token-count worker only. Bundled as `bun run build` bundles (every entrypoint at once, minified),
// a stray import of the tokenizer module on the main thread's side put it into the main bundle as
// well (with gpt-tokenizer's tables then: a 6 MB bigger binary), one call away from loading on the
// event loop.
test('the build puts the tokenizer into the token-count worker only', async () => {
  const r = await Bun.build({ entrypoints: BUILD_ENTRYPOINTS.map((e) => join(root, e)), root: join(root, 'src'), target: 'bun', format: 'esm', minify: true });
  expect(r.success).toBe(true);
  const text = async (path: string) => r.outputs.find((o) => o.kind === 'entry-point' && o.path.endsWith(path))!.text();
  expect(await text('usage/token-count.worker.js')).toContain('o200k');
  expect(await text('main.js')).not.toContain('o200k');
  expect(await text('logging/log-writer.worker.js')).not.toContain('o200k');
}, 60_000);
