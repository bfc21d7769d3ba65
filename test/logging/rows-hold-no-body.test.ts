/**
 * A refused request's row names the model the client sent cut to 256 characters. JavaScriptCore's
 * `slice` shares the string it cut: the cut kept all of it alive (a 32 MB model name for a 256-character column) for as long as the row
 * waited, and a failing or unreachable store keeps up to 100,000 rows, counted at their own size.
 * Here the test's sink keeps every row, as such a queue would: the rows must hold only their cuts.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(60_000);

let gw: TestGateway;
beforeAll(async () => (gw = await startGateway()));
afterAll(() => gw.close());

const BIG = 2_000_000;
const heapAfterGc = () => {
  Bun.gc(true);
  return process.memoryUsage().heapUsed;
};
const hi = [{ role: 'user', content: 'hi' }];
const bodies: [string, (big: string) => unknown][] = [
  ['/v1/chat/completions', (big) => ({ model: `openai/${big}`, messages: hi })],
  ['/v1/messages', (big) => ({ model: big, max_tokens: 10, messages: hi })],
];

test('rows of refusals that cut a 2 MB model name hold the cut, not the 2 MB', async () => {
  const before = heapAfterGc();
  const n = 20;
  for (const [path, body] of bodies) {
    for (let i = 0; i < n; i++) {
      const big = `${i}`.padEnd(BIG, 'z');
      const res = await gw.fetch(path, { method: 'POST', headers: { 'x-api-key': gw.clientKey }, body: JSON.stringify(body(big)) });
      expect([path, res.status]).toEqual([path, 400]);
      const row = await gw.waitForRow(res);
      expect(row.modelRequested.length + (row.error ?? '').length).toBeLessThan(2_000);
    }
  }
  // 40 rows kept: 80 MB if each held the value it cut; their cuts are some 10 KB.
  const grown = heapAfterGc() - before;
  expect(grown).toBeLessThan(16 * 1024 * 1024);
});
