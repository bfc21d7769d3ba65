/**
 * A followed `background: true` response (OpenAI's) is held for as long as it runs, hours at
 * most: what the job keeps must not include the request's input, which may be as large as the
 * body. Measured as the heap after a full collection, with each input far larger than the noise.
 */
import { afterAll, expect, test } from 'bun:test';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';

let posts = 0;
// A fake OpenAI that keeps nothing it receives and answers every response as still queued.
const upstream = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  async fetch(req) {
    if (req.method === 'POST') await req.arrayBuffer();
    const id = req.method === 'GET' ? new URL(req.url).pathname.split('/').pop()! : `resp_mem${String(++posts).padStart(10, '0')}`;
    return Response.json({ id, object: 'response', created_at: 1, status: 'queued', background: true, model: 'gpt-4o', output: [], usage: null });
  },
});
let gw: TestGateway;
useGateway((g) => (gw = g), { env: providerEnv('openai', `http://127.0.0.1:${upstream.port}/v1`) });
afterAll(() => upstream.stop(true));

const heapMiB = () => {
  for (let i = 0; i < 3; i++) Bun.gc(true);
  return process.memoryUsage().heapUsed / 1048576;
};

test('twenty followed background responses of 4 MB input each hold far less than their inputs', async () => {
  const send = (input: string) =>
    gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify({ model: 'openai/gpt-4o', background: true, input }) });
  // One first, so the baseline includes what any request costs once.
  await (await send('warm up')).arrayBuffer();
  const before = heapMiB();
  for (let i = 0; i < 20; i++) {
    const res = await send(`${i} ${'z'.repeat(4 * 1024 * 1024)}`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  }
  expect(gw.ctx.backgroundResponses.size).toBe(21);
  const grown = heapMiB() - before;
  console.log(`heap growth with 20 followed responses of 4 MiB input: ${grown.toFixed(1)} MiB`);
  // Holding the inputs is at least 80 MiB.
  expect(grown).toBeLessThan(30);
}, 60_000);
