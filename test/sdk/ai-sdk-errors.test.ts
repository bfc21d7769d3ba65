/**
 * Errors as the Vercel AI SDK sees them through the gateway, for its three model kinds (OpenAI
 * chat, OpenAI Responses, Anthropic Messages): a bad key, an unknown model and an upstream's
 * refusal must surface as the SDK's APICallError with the right status and the gateway's message
 * (never a parse error or a crash), with or without streaming; a stream that fails after it
 * started must reach the SDK as an error part after the text that came before it.
 */
import { beforeEach, describe, expect, test } from 'bun:test';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateText, streamText, type LanguageModel } from 'ai';
import { fixtureJson, jsonResponse, readChunks, sseResponse, type FakeHandler } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { useFakeProviders } from './fake-providers';
import { anthropicSse } from '../anthropic/fake-anthropic';

// The SDK warns that it does not know `openai/gpt-4o-mini`'s output limit on its Anthropic model: expected here.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

let gw: TestGateway;
const { openaiUp, deepseekUp, anthropicUp } = useFakeProviders((g) => void (gw = g));
// Failing upstreams on purpose must not open a circuit for the next test.
beforeEach(() => gw?.ctx.breakers.reset());

type Kind = 'chat' | 'responses' | 'messages';
const KINDS: Kind[] = ['chat', 'responses', 'messages'];

function modelOf(kind: Kind, id: string, key = gw.clientKey): LanguageModel {
  if (kind === 'messages') return createAnthropic({ baseURL: `${gw.url}/v1`, apiKey: key })(id);
  const openai = createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: key });
  return kind === 'chat' ? openai.chat(id) : openai.responses(id);
}

/** The APICallError a generateText call must fail with. */
async function generateError(model: LanguageModel): Promise<APICallError> {
  try {
    await generateText({ model, prompt: 'Hello', maxRetries: 0 });
  } catch (err) {
    expect(APICallError.isInstance(err)).toBe(true);
    return err as APICallError;
  }
  throw new Error('expected an APICallError');
}

/** The error parts a streamText call produced (and its text), read to the end without throwing. */
async function streamErrors(model: LanguageModel, onText?: () => void): Promise<{ errors: unknown[]; text: string; finish: unknown; headers?: Record<string, string> }> {
  const r = streamText({ model, prompt: 'Hello', maxRetries: 0, onError: () => {} });
  const errors: unknown[] = [];
  let text = '';
  let finish: unknown;
  for await (const p of r.fullStream) {
    if (p.type === 'error') errors.push(p.error);
    if (p.type === 'text-delta') (text += p.text), onText?.();
    if (p.type === 'finish') finish = p.finishReason;
  }
  const headers = await r.response.then((res) => res.headers, () => undefined);
  return { errors, text, finish, headers };
}

/** The one APICallError a streamText call must report. */
async function streamError(model: LanguageModel): Promise<APICallError> {
  const { errors } = await streamErrors(model);
  expect(errors).toHaveLength(1);
  expect(APICallError.isInstance(errors[0])).toBe(true);
  return errors[0] as APICallError;
}

const MODEL = { chat: 'openai/gpt-4o-mini', responses: 'openai/gpt-4o-mini', messages: 'claude-sonnet-4-5' } as const;

for (const kind of KINDS) {
  describe(`AI SDK ${kind} model: errors`, () => {
    for (const stream of [false, true]) {
      const call = (model: LanguageModel) => (stream ? streamError(model) : generateError(model));

      test(`a bad key is a 401 APICallError${stream ? ' (streaming)' : ''}, the upstream never called`, async () => {
        const before = openaiUp.requests.length + anthropicUp.requests.length;
        const err = await call(modelOf(kind, MODEL[kind], 'gg-test-not-a-key'));
        expect(err.statusCode).toBe(401);
        expect(err.message).toBe('Incorrect or revoked API key.');
        expect(err.isRetryable).toBe(false);
        expect(openaiUp.requests.length + anthropicUp.requests.length).toBe(before);
      });

      test(`an unknown model is a 404 APICallError naming it${stream ? ' (streaming)' : ''}; its log row`, async () => {
        const err = await call(modelOf(kind, 'no-such-model'));
        expect(err.statusCode).toBe(404);
        expect(err.message).toBe("The model 'no-such-model' does not exist or is not enabled.");
        expect(await gw.waitForRow(err.responseHeaders?.['x-request-id'] ?? 'none')).toMatchObject({
          status: 404, modelRequested: 'no-such-model', promptTokens: 0, completionTokens: 0,
        });
      });
    }
  });
}

/** An upstream's refusal for each model kind: the fake answering it and the model reaching that fake. */
const REFUSALS: { kind: Kind; model: string; fake: () => typeof openaiUp; reply: FakeHandler; status: number; message: string }[] = [
  {
    kind: 'chat', model: 'openai/gpt-4o-mini', fake: () => openaiUp, status: 400, message: "This model's maximum context length is 128000 tokens.",
    reply: () => jsonResponse({ error: { message: "This model's maximum context length is 128000 tokens.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } }, 400),
  },
  {
    kind: 'responses', model: 'openai/gpt-4o-mini', fake: () => openaiUp, status: 400, message: "This model's maximum context length is 128000 tokens.",
    reply: () => jsonResponse({ error: { message: "This model's maximum context length is 128000 tokens.", type: 'invalid_request_error', param: 'input', code: 'context_length_exceeded' } }, 400),
  },
  {
    kind: 'messages', model: 'claude-sonnet-4-5', fake: () => anthropicUp, status: 400, message: fixtureJson('anthropic', 'error-400.json').error.message,
    reply: () => jsonResponse(fixtureJson('anthropic', 'error-400.json'), 400),
  },
];

describe('an upstream refusal reaches the SDK as an APICallError', () => {
  for (const c of REFUSALS) {
    for (const stream of [false, true]) {
      test(`${c.kind}${stream ? ', streaming' : ''}: ${c.status} with the upstream's message; log row`, async () => {
        c.fake().handler = c.reply;
        const model = modelOf(c.kind, c.model);
        const err = stream ? await streamError(model) : await generateError(model);
        expect(err.statusCode).toBe(c.status);
        expect(err.message).toContain(c.message);
        expect(err.isRetryable).toBe(false);
        expect(await gw.waitForRow(err.responseHeaders?.['x-request-id'] ?? 'none')).toMatchObject({ status: c.status, promptTokens: 0, completionTokens: 0 });
      });
    }
  }
});

/** A stream fails after it started, for each model kind: the fake's stream (held until the SDK has text). */
/** A cut upstream: the error names it, the row is a 502. */
const CUT = { error: 'Upstream OpenAI (openai) broke off its answer', status: 502 };
const CUTS: { kind: Kind; model: string; fake: () => typeof openaiUp; stream: (held: Promise<void>) => Response; text: string; error: string; status: number }[] = [
  { kind: 'chat', model: 'openai/gpt-4o-mini', fake: () => openaiUp, text: 'Hello! How', ...CUT, stream: (held) => sseResponse(readChunks('openai', 'text.chunks.txt'), { cutAfter: 3, holdAt: { at: 3, until: held } }) },
  { kind: 'responses', model: 'openai/gpt-4o-mini', fake: () => openaiUp, text: 'Hello!', ...CUT, stream: (held) => sseResponse(readChunks('responses', 'openai-response-stream.chunks.txt'), { cutAfter: 6, holdAt: { at: 6, until: held } }) },
  { kind: 'responses', model: 'deepseek-chat', fake: () => deepseekUp, text: 'Hello', ...CUT, error: 'Upstream DeepSeek (deepseek) broke off its answer', stream: (held) => sseResponse(readChunks('deepseek', 'text.chunks.txt'), { cutAfter: 4, holdAt: { at: 4, until: held } }) },
  { kind: 'messages', model: 'openai/gpt-4o-mini', fake: () => openaiUp, text: 'Hello! How', ...CUT, stream: (held) => sseResponse(readChunks('openai', 'text.chunks.txt'), { cutAfter: 3, holdAt: { at: 3, until: held } }) },
  // Anthropic's own error event, relayed as it came
  { kind: 'messages', model: 'claude-sonnet-4-5', fake: () => anthropicUp, text: 'Once upon a time', error: 'Overloaded', status: 529, stream: () => anthropicSse('error-midstream.sse') },
];

describe('a stream cut after it started reaches the SDK as an error part after the text', () => {
  for (const c of CUTS) {
    test(`${c.kind} to ${c.model}: ${c.error}`, async () => {
      let seen = () => {};
      const held = new Promise<void>((r) => (seen = r));
      c.fake().handler = () => c.stream(held);
      const r = await streamErrors(modelOf(c.kind, c.model), () => seen());
      expect(r.text).toBe(c.text);
      expect(r.errors).toHaveLength(1);
      expect((r.errors[0] as Error).message).toContain(c.error);
      expect(r.finish).toBe('error');
      const row = await gw.waitForRow(r.headers?.['x-request-id'] ?? 'none');
      expect(row).toMatchObject({ stream: true, status: c.status });
      expect(row.error).toContain(c.error);
    });
  }
});
