/**
 * An OpenAI-compatible upstream that fails after its stream started sends an error chunk inside
 * the 200 stream. Through /v1/messages the client gets Anthropic's `error` event with the type the
 * failure has (a rate limit `rate_limit_error`, an overload `overloaded_error`, as Claude Code and
 * the SDK tell them before a stream starts), after the text that came before it; the official SDK
 * raises it; the request's one log row records the status that type stands for.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { readChunks, sseResponse } from '../helpers/fake-upstream';
import { drainStream } from '../helpers/stream-pieces';
import { errorChunkStatus } from '../../src/providers/shared/error-in-answer';
import { parseSse } from './messages-helpers';
import { useTranslatedRig, type TranslatedId, type TranslatedRig } from './translated-rig';

let rig: TranslatedRig;
useTranslatedRig((r) => (rig = r));
// Each test fails its provider on purpose: each starts with closed circuits.
afterEach(() => (rig.gw.ctx.breakers as unknown as { reset(): void }).reset());

const MODELS: Record<Exclude<TranslatedId, 'gemini'>, string> = {
  openai: 'openai/gpt-4o-mini', deepseek: 'deepseek/deepseek-chat', moonshot: 'moonshot/kimi-k2-0905-preview', grok: 'grok/grok-3-mini', ollama: 'ollama/qwen3:8b',
};

// The providers' own error chunks. OpenAI's envelope is what DeepSeek and Ollama's OpenAI endpoint send too.
const openaiRate = { error: { message: 'Rate limit reached for gpt-4o-mini in organization org-x on tokens per min (TPM): Limit 200000, Used 199800, Requested 900.', type: 'tokens', param: null, code: 'rate_limit_exceeded' } };
const openaiOverloaded = { error: { message: 'The engine is currently overloaded, please try again later', type: 'server_error', param: null, code: null } };
const openaiServer = { error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } };
const CASES: { id: keyof typeof MODELS; chunk: object; type: string; status: number }[] = [
  ...(['openai', 'deepseek', 'ollama'] as const).flatMap((id) => [
    { id, chunk: openaiRate, type: 'rate_limit_error', status: 429 },
    { id, chunk: openaiOverloaded, type: 'overloaded_error', status: 529 },
    { id, chunk: openaiServer, type: 'api_error', status: 502 },
  ]),
  { id: 'moonshot', chunk: { error: { message: 'Your account org-x request reached max request: 3, please try again after 1 seconds', type: 'rate_limit_reached_error' } }, type: 'rate_limit_error', status: 429 },
  { id: 'moonshot', chunk: { error: { message: 'The engine is currently overloaded, please try again later', type: 'engine_overloaded_error' } }, type: 'overloaded_error', status: 529 },
  { id: 'grok', chunk: { code: 'The service is currently unavailable', error: 'The model grok-3-mini is overloaded.' }, type: 'overloaded_error', status: 529 },
];

describe('an error chunk after the stream started', () => {
  for (const c of CASES) {
    test(`${c.id}, ${JSON.stringify(c.chunk).slice(0, 70)}…: event: error ${c.type} after the text; the SDK raises it; the row says ${c.status}`, async () => {
      // The recording's first chunks (its role and first words or thoughts), then the provider's error chunk.
      const payloads = [...readChunks(c.id, 'text.chunks.txt').slice(0, 2), JSON.stringify(c.chunk)];
      rig.fakes.get(c.id)!.handler = () => sseResponse(payloads);
      const params = { model: MODELS[c.id], max_tokens: 50, messages: [{ role: 'user' as const, content: 'Hello' }] };
      const res = await rig.gw.fetch('/v1/messages', { method: 'POST', body: JSON.stringify({ ...params, stream: true }) });
      expect(res.status).toBe(200);
      const events = parseSse(await res.text());
      expect(events[0].type).toBe('message_start');
      expect(events.some((e) => e.type === 'content_block_delta')).toBe(true);
      const row = await rig.gw.waitForRow(res);
      expect(row).toMatchObject({ endpoint: 'messages', provider: c.id, stream: true, status: c.status });
      expect(row.errorType).toBeString();
      // The gateway's code rides where Anthropic's SDK reads a cause (`errorCode`): the row's.
      expect(events.at(-1)).toEqual({ type: 'error', error: { type: c.type, message: expect.stringContaining('stream failed'), details: { error_code: row.errorType } } });
      expect(events.filter((e) => e.type === 'error' || e.type === 'message_stop').length).toBe(1);

      const { got, failure } = await drainStream(rig.client.messages.stream(params));
      expect(got.some((e) => e.type === 'content_block_delta')).toBe(true);
      expect(failure).toBeInstanceOf(Anthropic.APIError);
      expect((failure as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: c.type } });
      expect((failure as InstanceType<typeof Anthropic.APIError>).type).toBe(c.type as any);
      expect((failure as InstanceType<typeof Anthropic.APIError>).errorCode).toBe(row.errorType);
    });
  }
});

test('errorChunkStatus: a status the chunk states (OpenRouter, vLLM, LiteLLM), else a rate limit or overload it names; else none', () => {
  expect(errorChunkStatus({ error: { code: 429, message: 'Rate limit exceeded: free-models-per-day' } })).toBe(429);
  expect(errorChunkStatus({ error: { object: 'error', message: 'boom', type: 'InternalServerError', param: null, code: 500 } })).toBe(500);
  expect(errorChunkStatus({ error: { message: 'x', type: 'None', param: 'None', code: '503' } })).toBe(503);
  expect(errorChunkStatus(openaiRate)).toBe(429);
  expect(errorChunkStatus(openaiOverloaded)).toBe(503);
  expect(errorChunkStatus({ error: 'The model is overloaded.' })).toBe(503);
  expect(errorChunkStatus(openaiServer)).toBeNull();
  expect(errorChunkStatus({ error: { code: 200, message: 'odd' } })).toBeNull();
  expect(errorChunkStatus({ error: { message: 'Invalid prompt: flagged.', type: 'invalid_request_error', code: 'invalid_prompt' } })).toBeNull();
});

test("an error chunk before anything went out is the HTTP error it names: a rate limit is a 429 the SDK reads as RateLimitError; one row", async () => {
  rig.fakes.get('openai')!.handler = () => sseResponse([JSON.stringify(openaiRate)]);
  const err = await rig.client.messages.create({ model: MODELS.openai, max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'Hello' }] }).catch((e) => e);
  expect(err).toBeInstanceOf(Anthropic.RateLimitError);
  expect(err.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', message: expect.stringContaining('Rate limit reached') } });
  expect(await rig.gw.waitForRow(err.requestID)).toMatchObject({ endpoint: 'messages', provider: 'openai', status: 429, errorType: 'rate_limit_exceeded' });
  expect(err.errorCode).toBe('rate_limit_exceeded');
});
