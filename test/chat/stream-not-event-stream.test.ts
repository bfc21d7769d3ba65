/**
 * A stream request whose 2xx answer is no event stream: a base URL that names a web page (an HTML
 * 200 from whatever serves there), or a relay that answers a whole JSON completion whatever
 * `stream` says. The client and the log row are told what came back, not that a stream was cut
 * short (which sends an operator to look at the network instead of the base URL).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let up: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  up = startFakeUpstream();
  gw = await startGateway({ env: providerEnv('openai', `${up.url}/v1`) });
});
afterAll(async () => {
  await gw.close();
  up.close();
});

const html = () => new Response('<html><body>Welcome to nginx!</body></html>', { headers: { 'content-type': 'text/html; charset=utf-8' } });

for (const [what, answer, type] of [
  ['an HTML page', html, 'text/html'],
  ['a whole JSON completion', () => jsonResponse(fixtureJson('openai', 'chat.json')), 'application/json'],
] as const) {
  test(`chat: ${what} answering a stream is a 502 naming its content type, and so is its row`, async () => {
    up.handler = answer;
    const err = await gw.openai().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello' }], stream: true }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(502);
    expect(err.message).toContain(`answered a stream request with ${type}, not an event stream`);
    const row = await gw.waitForRow(err.headers.get('x-request-id'));
    expect(row.status).toBe(502);
    expect(row.error).toContain(`with ${type}, not an event stream`);
  });
}

test('/v1/messages bridged to OpenAI: the same words in Anthropic\'s error shape', async () => {
  up.handler = html;
  const anthropic = new Anthropic({ baseURL: gw.url, apiKey: gw.clientKey, maxRetries: 0 });
  const err = await anthropic.messages.create({ model: 'gpt-4o', max_tokens: 20, messages: [{ role: 'user', content: 'Hello' }], stream: true }).catch((e) => e);
  expect(err).toBeInstanceOf(Anthropic.APIError);
  expect(err.status).toBe(502);
  expect(err.error.error.message).toContain('answered a stream request with text/html, not an event stream');
});
