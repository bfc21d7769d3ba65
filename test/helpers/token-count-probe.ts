/**
 * Compiled with the token-count worker into an executable of its own (test/usage/o200k-binary.test.ts):
 * counts the texts of argv[2] (a JSON array) through the worker and on this thread, and prints
 * both counts and the process's RSS in MiB before and after, as JSON.
 */
import { countTextTokens } from '../../src/usage/count-text-tokens';
import { createWorkerTokenCounter } from '../../src/usage/token-counter';

const texts = JSON.parse(process.argv[2] ?? '[]') as string[];
const rss = () => Math.round(process.memoryUsage().rss / 1048576);
Bun.gc(true);
const before = rss();
const worker = await createWorkerTokenCounter().count(texts);
Bun.gc(true);
const withWorker = rss();
const direct = texts.map(countTextTokens);
Bun.gc(true);
console.log(JSON.stringify({ worker, direct, rss: { before, withWorker, after: rss() } }));
