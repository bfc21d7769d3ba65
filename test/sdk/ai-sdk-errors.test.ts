/**
 * Errors as the Vercel AI SDK sees them through the gateway, for its three model kinds (OpenAI
 * chat, OpenAI Responses, Anthropic Messages): a bad key, an unknown model and an upstream's
 * refusal must surface as the SDK's APICallError with the right status and the gateway's message
 * (never a parse error or a crash), with or without streaming; a stream that fails after it
 * started must reach the SDK as an error part after the text that came before it.
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateText, streamText, type LanguageModel } from 'ai';
import { startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';

const openaiUp = startFakeUpstream();
const anthropicUp = startFakeUpstream();
let gw: TestGateway;
useGateway((g) => void (gw = g), {
  env: { ...providerEnv('openai', `${openaiUp.url}/v1`), ANTHROPIC_API_KEY: 'sk-ant-test-0123456789', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: anthropicUp.url },
});
afterAll(() => {
  openaiUp.close();
  anthropicUp.close();
});
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
async function streamErrors(model: LanguageModel, onText?: () => void): Promise<{ errors: unknown[]; text: string }> {
  const r = streamText({ model, prompt: 'Hello', maxRetries: 0, onError: () => {} });
  const errors: unknown[] = [];
  let text = '';
  for await (const p of r.fullStream) {
    if (p.type === 'error') errors.push(p.error);
    if (p.type === 'text-delta') (text += p.text), onText?.();
  }
  return { errors, text };
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
