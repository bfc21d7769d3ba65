/**
 * xAI's reasoning dials and its retired or unknown things, as a user of the official openai and
 * Anthropic clients meets them through the real gateway, against a fake xAI that refuses as xAI does:
 * - grok-3-mini takes `reasoning_effort` `low` or `high` only (docs.x.ai, reasoning: "It must be set
 *   to one of low or high"); grok-4.3 `none` to `high`, grok-4.20-multi-agent `low` to `xhigh`. An
 *   effort a dial lacks goes as its nearest, the higher on a tie, on chat, /v1/messages and /v1/responses.
 * - Live Search (`search_parameters`) is answered 410 "Live search is deprecated. Please switch to the
 *   Agent Tools API: …" (the body users quote: langgenius/dify-official-plugins#2493,
 *   SillyTavern/SillyTavern#5255, vercel/ai#15713): a 400 `unsupported_parameter` naming the field.
 * - An unknown model: xAI's 404 "The model grok-x does not exist or your team … does not have access
 *   to it" (yihong0618/bilingual_book_maker#464) or 400 "Model not found: grok-2-latest"
 *   (definableai/definable.ai#73): both OpenAI's 404 `model_not_found`.
 * Each request leaves one row, found by its x-request-id.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { fixtureJson, jsonResponse, type FakeHandler, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

const EFFORTS: [RegExp, string[]][] = [
  [/^grok-3-mini/, ['low', 'high']],
  [/^grok-4\.3/, ['none', 'low', 'medium', 'high']],
  [/^grok-4\.20-multi-agent/, ['low', 'medium', 'high', 'xhigh']],
];
// xAI's body shape ({code, error}); the words of this refusal are the gateway's guess, its status xAI's.
const refuse = (error: string) => jsonResponse({ code: 'Client specified an invalid argument', error }, 400);
/** A fake xAI that refuses an effort the model lacks, then answers its recorded chat or Responses body. */
const xaiLike: FakeHandler = (_req, rec) => {
  const b = rec.body;
  const effort = b.reasoning_effort ?? b.reasoning?.effort;
  const dial = EFFORTS.find(([re]) => re.test(b.model))?.[1];
  if (effort !== undefined && !dial?.includes(effort)) return refuse(`Invalid reasoning effort '${effort}' for model ${b.model}.`);
  return jsonResponse(rec.path.endsWith('/responses') ? fixtureJson('grok', 'responses-web-search.json') : { ...fixtureJson('grok', 'chat.json'), model: b.model });
};

let xai: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  xai = startFakeUpstream(xaiLike);
  gw = await startGateway({ env: providerEnv('grok', `${xai.url}/v1`) });
});
afterAll(async () => {
  await gw?.close();
  xai?.close();
});

const hi = [{ role: 'user' as const, content: 'Hello' }];
const sentEffort = () => xai.last().body.reasoning_effort ?? xai.last().body.reasoning?.effort;
const anthropic = () => new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0 });

test('reasoning_effort a Grok dial lacks goes as its nearest (the higher on a tie); one it has goes as asked', async () => {
  const cases: [string, string, string][] = [
    ['grok-3-mini', 'medium', 'high'],
    ['grok-3-mini', 'minimal', 'low'],
    ['grok-3-mini', 'none', 'low'],
    ['grok-3-mini', 'xhigh', 'high'],
    ['grok-3-mini', 'low', 'low'],
    ['grok-4.3', 'xhigh', 'high'],
    ['grok-4.3', 'minimal', 'low'],
    ['grok-4.3', 'none', 'none'],
    ['grok-4.20-multi-agent-0309', 'minimal', 'low'],
    ['grok-4.20-multi-agent-0309', 'xhigh', 'xhigh'],
  ];
  for (const [model, asked, sent] of cases) {
    const { data, response } = await gw.openai().chat.completions.create({ model: `grok/${model}`, messages: hi, reasoning_effort: asked as any }).withResponse();
    expect({ model, asked, sent: sentEffort(), content: data.choices[0]!.message.content }).toEqual({ model, asked, sent, content: 'Hello! How can I help?' });
    expect(await gw.waitForRow(response)).toMatchObject({ status: 200, provider: 'grok' });
  }
});

test("/v1/responses to grok-3-mini: reasoning.effort 'medium' goes to xAI's Responses API as 'high', the summary kept", async () => {
  const { data, response } = await gw.openai().responses.create({ model: 'grok/grok-3-mini', input: 'Hello', reasoning: { effort: 'medium', summary: 'auto' } }).withResponse();
  expect(xai.last().path).toBe('/v1/responses');
  expect(xai.last().body.reasoning).toEqual({ effort: 'high', summary: 'auto' });
  expect(data.output_text).toContain('xAI builds Grok');
  expect((await gw.waitForRow(response)).status).toBe(200);
});

test('/v1/messages thinking reaches a Grok dial as an effort it takes: grok-4.3 hears it (disabled as none), grok-3-mini low or high', async () => {
  const cases: [string, Anthropic.MessageCreateParams['thinking'], string | undefined][] = [
    ['grok-4.3', { type: 'enabled', budget_tokens: 16_000 }, 'high'],
    ['grok-4.3', { type: 'disabled' }, 'none'],
    ['grok-3-mini', { type: 'enabled', budget_tokens: 16_000 }, 'high'],
    ['grok-3-mini', { type: 'enabled', budget_tokens: 1024 }, 'low'],
    ['grok-3-mini', { type: 'disabled' }, undefined],
    ['grok-4', { type: 'enabled', budget_tokens: 16_000 }, undefined],
  ];
  for (const [model, thinking, sent] of cases) {
    const { data, response } = await anthropic().messages.create({ model: `grok/${model}`, max_tokens: 20_000, thinking, messages: hi }).withResponse();
    expect({ model, thinking, sent: sentEffort() }).toEqual({ model, thinking, sent });
    expect(data.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect((await gw.waitForRow(response)).status).toBe(200);
  }
});

test("xAI's 410 'Live search is deprecated' is a 400 unsupported_parameter naming search_parameters, in OpenAI's and Anthropic's shapes", async () => {
  const gone = { error: 'Live search is deprecated. Please switch to the Agent Tools API: https://docs.x.ai/docs/guides/tools/overview' };
  xai.handler = () => jsonResponse(gone, 410);
  try {
    for (const stream of [false, true]) {
      const err = await gw.openai().chat.completions.create({ model: 'grok/grok-4', messages: hi, stream, search_parameters: { mode: 'auto' } } as any).catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect([err.error.code, err.error.param, err.error.type]).toEqual(['unsupported_parameter', 'search_parameters', 'invalid_request_error']);
      expect(err.message).toContain('Agent Tools API');
      expect(await gw.waitForRow(err.headers.get('x-request-id'))).toMatchObject({ status: 400, errorType: 'unsupported_parameter', stream });
    }
    const msgErr = await anthropic().messages.create({ model: 'grok/grok-4', max_tokens: 64, messages: hi }).catch((e) => e);
    expect(msgErr).toBeInstanceOf(Anthropic.BadRequestError);
    expect(msgErr.error.error.type).toBe('invalid_request_error');
    expect((await gw.waitForRow(msgErr.headers.get('x-request-id'))).status).toBe(400);
  } finally {
    xai.handler = xaiLike;
  }
});

test("xAI's unknown model, said with a 404 or a 400, is OpenAI's 404 model_not_found on chat and /v1/responses", async () => {
  const bodies: [number, unknown][] = [
    [404, { code: 'Some requested entity was not found', error: "The model grok-x does not exist or your team 16f2151a-40f4-4a80-8ad0-cae00c27e8dd does not have access to it. Please ensure you're using the correct API key." }],
    [400, { code: 'Client specified an invalid argument', error: 'Model not found: grok-x' }],
  ];
  try {
    for (const [status, body] of bodies) {
      xai.handler = () => jsonResponse(body, status);
      const chat = await gw.openai().chat.completions.create({ model: 'grok/grok-x', messages: hi }).catch((e) => e);
      const resp = await gw.openai().responses.create({ model: 'grok/grok-x', input: 'Hello' }).catch((e) => e);
      for (const err of [chat, resp]) {
        expect(err).toBeInstanceOf(OpenAI.NotFoundError);
        expect(err.error.code).toBe('model_not_found');
        expect(await gw.waitForRow(err.headers.get('x-request-id'))).toMatchObject({ status: 404, errorType: 'model_not_found' });
      }
    }
  } finally {
    xai.handler = xaiLike;
  }
});
