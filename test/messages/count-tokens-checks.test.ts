/**
 * POST /v1/messages/count_tokens refuses the malformed conversations /v1/messages refuses
 * (empty or whitespace-only text, unpaired tool_use/tool_result, image media types, cache_control,
 * tool definitions, OpenAI-only fields), as Anthropic's count_tokens does: 400
 * invalid_request_error in Anthropic's words, before any upstream call, one row. The rules tied to
 * `max_tokens` are not count_tokens': it takes none, so a thinking budget of any size is counted.
 * Driven with @anthropic-ai/sdk's `messages.countTokens` over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { anthropicClient } from './messages-helpers';
import { ANTHROPIC_WORDS, call, result, startRefusalGateway, stopRefusalGateway, user, weather } from './anthropic-refusals';

let openai: FakeUpstream;
let anthropic: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  openai = startFakeUpstream(() => jsonResponse({ error: { message: 'fake: count_tokens calls no chat model', type: 'invalid_request_error' } }, 400));
  // Anthropic's own count: the body's length, so a count that reached it is told from an estimate.
  anthropic = startFakeUpstream((_r, rec) =>
    rec.path === '/v1/messages/count_tokens'
      ? jsonResponse({ input_tokens: JSON.stringify(rec.body).length })
      : jsonResponse({ type: 'error', error: { type: 'invalid_request_error', message: `fake: unexpected ${rec.path}` } }, 400),
  );
  gw = await startRefusalGateway(openai, anthropic);
  client = anthropicClient(gw);
});
afterAll(() => stopRefusalGateway(gw, openai, anthropic));

const calls = () => openai.requests.length + anthropic.requests.length;
const body = (model: string, fields: Record<string, unknown>) => ({ model, messages: [user('Hello')], ...fields }) as any;

for (const model of ['openai/gpt-4o-mini', 'mock/echo', 'claude-sonnet-4-5']) {
  describe(`count_tokens refuses in Anthropic's words before any call, target ${model}`, () => {
    for (const [name, fields, message] of ANTHROPIC_WORDS) {
      test(name, async () => {
        const before = calls();
        const err = await client.messages.countTokens(body(model, fields)).catch((e) => e);
        expect(err).toBeInstanceOf(Anthropic.BadRequestError);
        const row = await gw.waitForRow(err.requestID);
        expect(err.error).toEqual({ type: 'error', error: { type: 'invalid_request_error', message, details: { error_code: row.errorType } } });
        expect(row).toMatchObject({ endpoint: 'count_tokens', status: 400, costUsd: 0 });
        expect(gw.logs.filter((r) => r.requestId === row.requestId)).toHaveLength(1);
        expect(calls()).toBe(before);
      });
    }
  });
}

describe('what Anthropic counts is still counted', () => {
  // A paired tool turn, a PNG, a cached system block, and Claude Code's thinking budget with no max_tokens beside it.
  const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
  const fields = {
    system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral', ttl: '1h' } }],
    tools: weather,
    thinking: { type: 'enabled', budget_tokens: 31999 },
    messages: [user('Weather?'), call('toolu_01'), user([result('toolu_01'), { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } }])],
  };

  test('translated: the estimate, no upstream call', async () => {
    const before = calls();
    const { data, response } = await client.messages.countTokens(body('openai/gpt-4o-mini', fields)).withResponse();
    expect(data.input_tokens).toBeGreaterThan(0);
    expect(calls()).toBe(before);
    expect(await gw.waitForRow(response.headers.get('x-request-id')!)).toMatchObject({ endpoint: 'count_tokens', status: 200 });
  });

  test("Anthropic target: Anthropic's own count of the body as sent", async () => {
    const data = await client.messages.countTokens(body('claude-sonnet-4-5', fields));
    expect(anthropic.last().path).toBe('/v1/messages/count_tokens');
    expect(anthropic.last().body.thinking).toEqual(fields.thinking);
    expect(data.input_tokens).toBe(JSON.stringify(anthropic.last().body).length);
  });
});
