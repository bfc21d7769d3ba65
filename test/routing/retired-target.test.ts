/**
 * A group target whose model the provider no longer serves (retired or renamed: the provider
 * answers 404, e.g. OpenAI's model_not_found) is the operator's problem with that target, not the
 * client's request: the group goes on to its next target. Named directly, the model's 404 is the
 * answer. Real gateway, openai SDK, fake upstreams on loopback.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { modelGroups } from '../../src/db/schema';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
let openai: FakeUpstream;
let deepseek: FakeUpstream;
beforeAll(async () => {
  // OpenAI's answer for a model id it does not serve.
  openai = startFakeUpstream((_req, rec) =>
    jsonResponse({ error: { message: `The model \`${rec.body.model}\` does not exist or you do not have access to it.`, type: 'invalid_request_error', param: null, code: 'model_not_found' } }, 404),
  );
  deepseek = startFakeUpstream((_req, rec) => (rec.body.stream ? sseResponse(readChunks('deepseek', 'text.chunks.txt')) : jsonResponse(fixtureJson('deepseek', 'chat.json'))));
  gw = await startGateway({ env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('deepseek', `${deepseek.url}/v1`) } });
  gw.ctx.db.insert(modelGroups).values({ name: 'retired-first', strategy: 'heuristic', targets: ['openai/gpt-4-32k', 'deepseek/deepseek-chat'], updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  openai.close();
  deepseek.close();
});

test('the first target answers 404 model_not_found: the group falls back (JSON and stream); one row with both tries', async () => {
  for (const stream of [false, true]) {
    const { data, response } = await gw.openai().chat.completions.create({ model: 'retired-first', stream, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    if (stream) for await (const _ of data as AsyncIterable<unknown>);
    expect(response.headers.get('x-gophergate-model')).toBe('deepseek-chat');
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ status: 200, provider: 'deepseek', model: 'deepseek-chat' });
    expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['openai', 404], ['deepseek', 200]]);
  }
  // Not a failure of the upstream's: no circuit counts it.
  expect(gw.ctx.breakers.list()).toEqual([]);
});

test('named directly, the 404 is the answer', async () => {
  const err = await apiError(gw.openai().chat.completions.create({ model: 'openai/gpt-4-32k', messages: [{ role: 'user', content: 'hi' }] }));
  expect([err.status, err.code]).toEqual([404, 'model_not_found']);
});
