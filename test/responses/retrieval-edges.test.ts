/**
 * The stored-response calls as the openai SDK makes them, at their edges: paging a long input
 * (every limit's pages exact, both orders, the SDK's auto-pagination), odd and long ids, another
 * key's ids (404, OpenAI never asked, a running response left running), deleted ids, a provider's
 * broken answer to a forwarded read, and no log row for any of them.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { fixtureText, jsonResponse, rawJsonResponse, readChunks, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv } from '../helpers/start-gateway';
import { useOwnerAndOther } from './responses-rig';
import { schemaErrors } from './openai-schema';

const OPENAI_RAW = fixtureText('responses', 'openai-response.json');
const CHUNKS = readChunks('responses', 'deepseek-reasoner-text.chunks.txt');
/** What the fake OpenAI answers a read with (its create always answers the fixture). */
let openaiRead: () => Response = () => rawJsonResponse(OPENAI_RAW);
const openai = startFakeUpstream((_req, rec) => (rec.method === 'POST' && rec.path === '/v1/responses' ? rawJsonResponse(OPENAI_RAW) : openaiRead()));
let release = () => {};
const deepseek = startFakeUpstream((_req, rec) => {
  // A background response's call (streamed) is held until `release`; the others answer at once.
  if (!rec.body.stream) {
    return jsonResponse({
      id: 'c1', object: 'chat.completion', created: 1745400300, model: 'deepseek-chat',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 },
    });
  }
  return sseResponse([...CHUNKS, '[DONE]'], { holdAt: { at: 2, until: new Promise<void>((r) => (release = r)) } });
});
const rig = useOwnerAndOther({ ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('deepseek', deepseek.url) });
afterAll(() => {
  release();
  openai.close();
  deepseek.close();
});

const N = 120;
const texts = Array.from({ length: N }, (_, i) => `q${i}`);
const textOf = (item: any) => item.content[0].text as string;

async function page(id: string, query: string) {
  const res = await rig.gw.fetch(`/v1/responses/${id}/input_items?${query}`);
  expect([query, res.status]).toEqual([query, 200]);
  const body = await res.json();
  // An empty page names no first or last item (null, as OpenAI's lists answer one; its schema types them strings).
  expect(schemaErrors('ResponseItemList', body.data.length ? body : { ...body, first_id: '', last_id: '' })).toEqual([]);
  return body;
}

async function expectError(res: Response, status: number, param: string | null) {
  const body = await res.json();
  expect([res.status, body.error?.param]).toEqual([status, param]);
  expect(schemaErrors('ErrorResponse', body)).toEqual([]);
  return body.error;
}

describe('input_items of a long bridged input', () => {
  test('every limit pages it exactly, both orders, by raw `after` and by the SDK; has_more, first_id and last_id exact', async () => {
    const created = await rig.client.responses.create({ model: 'deepseek-chat', input: texts.map((content) => ({ role: 'user' as const, content })) });
    const head = await page(created.id, 'order=asc&limit=100');
    const asc: any[] = [...head.data, ...(await page(created.id, `order=asc&limit=100&after=${head.last_id}`)).data];
    expect(asc.map(textOf)).toEqual(texts);
    const ids = asc.map((i) => i.id as string);
    for (const order of ['asc', 'desc'] as const) {
      const want = order === 'asc' ? ids : [...ids].reverse();
      for (const limit of [1, 2, 7, 20, 59, 60, 99, 100]) {
        const got: string[] = [];
        let after: string | null = null;
        for (;;) {
          const p: any = await page(created.id, `order=${order}&limit=${limit}${after ? `&after=${after}` : ''}`);
          const expected = want.slice(got.length, got.length + limit);
          expect(p.data.map((i: any) => i.id)).toEqual(expected);
          expect([p.first_id, p.last_id, p.has_more]).toEqual([expected[0], expected.at(-1), got.length + limit < N]);
          got.push(...expected);
          if (!p.has_more) break;
          after = p.last_id;
        }
        expect(got).toEqual(want);
      }
      // The SDK's auto-pagination reads them all once.
      const seen: string[] = [];
      for await (const item of rig.client.responses.inputItems.list(created.id, { order, limit: 13 })) seen.push(item.id!);
      expect(seen).toEqual(want);
    }
    // The default: 20 newest first.
    const first = await page(created.id, '');
    expect([first.data.length, first.first_id, first.last_id, first.has_more]).toEqual([20, ids[N - 1], ids[N - 20], true]);
    // After the last item: an empty page, nothing more.
    expect(await page(created.id, `order=asc&after=${ids[N - 1]}`)).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
    // A limit out of range or not a plain integer, and another order, are 400s naming the parameter.
    for (const q of ['limit=0', 'limit=101', 'limit=ten', 'limit=-5', 'order=random']) {
      await expectError(await rig.gw.fetch(`/v1/responses/${created.id}/input_items?${q}`), 400, q.split('=')[0]!);
    }
  });
});

describe('ids that are odd, long, another key’s or deleted', () => {
  test('odd and long ids are 404 (a bad escape 400) in OpenAI’s shape on every call, the id cut in the message', async () => {
    const long = `resp_${'x'.repeat(3000)}`;
    for (const id of [long, 'resp_%2F..%2Fcancel', 'resp_%00', 'r%C3%A9sp%20%F0%9F%98%80', "resp_'\"<>"]) {
      for (const [method, rest] of [['GET', ''], ['GET', '/input_items'], ['DELETE', ''], ['POST', '/cancel']] as const) {
        const error = await expectError(await rig.gw.fetch(`/v1/responses/${id}${rest}`, { method }), 404, null);
        expect(error.code).toBe('not_found');
        expect(error.message.length).toBeLessThan(400);
      }
    }
    await expectError(await rig.gw.fetch('/v1/responses/resp_%ZZ/cancel', { method: 'POST' }), 400, 'response_id');
  });

  test("a bridged background response still running: its owner sees it in_progress and its input; another key's every call is 404 and it runs on", async () => {
    const queued = await rig.client.responses.create({ model: 'deepseek-chat', input: 'Hello', background: true });
    for (let i = 0; i < 1_500 && (await rig.client.responses.retrieve(queued.id)).status !== 'in_progress'; i++) await Bun.sleep(10);
    expect((await rig.client.responses.retrieve(queued.id)).status).toBe('in_progress');
    expect((await rig.client.responses.inputItems.list(queued.id)).data.map(textOf)).toEqual(['Hello']);
    for (const call of [
      () => rig.other.responses.cancel(queued.id),
      () => rig.other.responses.retrieve(queued.id, { stream: true }),
      () => rig.other.responses.inputItems.list(queued.id),
      () => rig.other.responses.delete(queued.id),
    ]) {
      expect((await apiError(call() as Promise<unknown>)).status).toBe(404);
    }
    expect((await rig.client.responses.retrieve(queued.id)).status).toBe('in_progress');
    expect((await rig.client.responses.cancel(queued.id)).status).toBe('cancelled');
    // Cancelled again: as it is; deleted, then 404 on every call, a second delete too.
    expect((await rig.client.responses.cancel(queued.id)).status).toBe('cancelled');
    expect(await rig.client.responses.delete(queued.id).asResponse().then((r) => r.json())).toEqual({ id: queued.id, object: 'response', deleted: true });
    for (const call of [() => rig.client.responses.retrieve(queued.id), () => rig.client.responses.inputItems.list(queued.id), () => rig.client.responses.cancel(queued.id), () => rig.client.responses.delete(queued.id)]) {
      expect((await apiError(call() as Promise<unknown>)).status).toBe(404);
    }
  });

  test("an OpenAI response: another key's calls, a bad limit and a deleted id are answered without asking OpenAI", async () => {
    const created = await rig.client.responses.create({ model: 'gpt-4o-mini', input: 'hi' });
    const asked = openai.requests.length;
    for (const call of [() => rig.other.responses.retrieve(created.id), () => rig.other.responses.inputItems.list(created.id), () => rig.other.responses.cancel(created.id), () => rig.other.responses.delete(created.id)]) {
      expect((await apiError(call() as Promise<unknown>)).status).toBe(404);
    }
    await expectError(await rig.gw.fetch(`/v1/responses/${created.id}/input_items?limit=101`), 400, 'limit');
    expect(openai.requests.length).toBe(asked);
    openaiRead = () => jsonResponse({ id: created.id, object: 'response', deleted: true });
    expect(await rig.client.responses.delete(created.id).asResponse().then((r) => r.json())).toEqual({ id: created.id, object: 'response', deleted: true });
    expect((await apiError(rig.client.responses.delete(created.id))).status).toBe(404);
    expect((await apiError(rig.client.responses.retrieve(created.id))).status).toBe(404);
    expect(openai.requests.length).toBe(asked + 1);
  });

  test("OpenAI answering a forwarded read with a 200 that is not JSON (a proxy's page) is a 502 upstream_error, as on create, not relayed", async () => {
    const created = await rig.client.responses.create({ model: 'gpt-4o-mini', input: 'hi' });
    openaiRead = () => new Response('<html>Bad gateway</html>', { headers: { 'content-type': 'text/html' } });
    for (const [method, rest] of [['GET', ''], ['GET', '/input_items'], ['POST', '/cancel']] as const) {
      const error = await expectError(await rig.gw.fetch(`/v1/responses/${created.id}${rest}`, { method }), 502, null);
      expect([rest, error.code, error.message]).toEqual([rest, 'upstream_error', 'Upstream OpenAI (openai) answered with something that is not JSON.']);
    }
    openaiRead = () => rawJsonResponse(OPENAI_RAW);
    expect((await rig.client.responses.retrieve(created.id)).id).toBe(created.id);
  });
});

test('none of these calls leaves a log row, their errors neither: only the creates have rows', async () => {
  const { data: created, response } = await rig.client.responses.create({ model: 'deepseek-chat', input: 'count me' }).withResponse();
  await rig.gw.waitForRow(response);
  const before = rig.gw.logs.length;
  await rig.client.responses.retrieve(created.id);
  await rig.client.responses.inputItems.list(created.id, { limit: 1 });
  await apiError(rig.client.responses.cancel(created.id));
  await apiError(rig.other.responses.retrieve(created.id));
  await rig.gw.fetch(`/v1/responses/${created.id}/input_items?limit=0`);
  await rig.gw.fetch('/v1/responses/resp_%00', { method: 'DELETE' });
  await rig.client.responses.delete(created.id);
  // A request after them: its row lands after any they would have left.
  const { response: last } = await rig.client.responses.create({ model: 'deepseek-chat', input: 'and me' }).withResponse();
  await rig.gw.waitForRow(last);
  expect(rig.gw.logs.length).toBe(before + 1);
});
