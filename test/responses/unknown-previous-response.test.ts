/**
 * A `previous_response_id` the gateway does not hold for the key is refused before any upstream
 * sees it, OpenAI's and xAI's models included: OpenAI continues any response of the gateway's
 * project for whoever sends its id (one made outside the gateway, or one the gateway no longer
 * answers for: made with `store: false`, deleted, past retention), so forwarding an unknown id let
 * any client key read that conversation. The owner's own follow-ups still go to OpenAI.
 */
import { afterAll, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { fixtureText, jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';

let made = 0;
const openai = startFakeUpstream((_req, rec) => {
  if (rec.method === 'POST' && rec.path === '/v1/responses') return jsonResponse({ ...JSON.parse(fixtureText('responses', 'openai-response.json')), id: `resp_made_${made++}` });
  return jsonResponse({ error: { message: 'not here', type: 'invalid_request_error', param: null, code: null } }, 404);
});
let gw: TestGateway;
let client: OpenAI;
let other: OpenAI;
useGateway(
  (g) => {
    gw = g;
    client = g.openai();
    other = g.openai(g.addClient('another key').key);
  },
  { env: providerEnv('openai', `${openai.url}/v1`) },
);
afterAll(() => openai.close());

test('an id the gateway never saw, or one made with store: false, is 400 previous_response_not_found with nothing sent to OpenAI', async () => {
  const unstored = await client.responses.create({ model: 'gpt-5-mini', input: 'my secret is heron', store: false });
  const deleted = await client.responses.create({ model: 'gpt-5-mini', input: 'forget it' });
  await gw.ctx.responseStore.delete(deleted.id);
  const sent = openai.requests.length;
  for (const [who, prev] of [[client, 'resp_made_outside_the_gateway'], [client, unstored.id], [other, unstored.id], [client, deleted.id]] as const) {
    for (const stream of [false, true]) {
      const err = await apiError(who.responses.create({ model: 'gpt-5-mini', previous_response_id: prev, input: 'what is my secret?', stream }));
      expect(err.status).toBe(400);
      expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'previous_response_not_found', param: 'previous_response_id' });
      expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'responses', status: 400 });
    }
  }
  expect(openai.requests.length).toBe(sent);
});

test('the owner continues a response made through the gateway at OpenAI, as sent', async () => {
  const first = await client.responses.create({ model: 'gpt-5-mini', input: 'hello' });
  const next = await client.responses.create({ model: 'gpt-5-mini', previous_response_id: first.id, input: 'and now?' });
  expect(next.id).toStartWith('resp_made_');
  expect(openai.requests.at(-1)!.body.previous_response_id).toBe(first.id);
});
