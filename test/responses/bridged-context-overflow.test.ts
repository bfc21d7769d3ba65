/**
 * A bridged model's upstream refusing a prompt over its context window, as the official SDK sees
 * it on /v1/responses: OpenAI's Responses API answers that 400 with code `context_length_exceeded`
 * and `param: "input"` (its chat endpoint says `messages`), which agents (Codex-style compaction,
 * the Agents SDK) key on. Streamed or not, one row each.
 */
import { describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { jsonResponse } from '../helpers/fake-upstream';
import { apiError, type TestGateway } from '../helpers/start-gateway';
import { useResponsesRig } from './responses-rig';

let gw: TestGateway;
let client: OpenAI;
const { replies } = useResponsesRig((g) => {
  gw = g;
  client = g.openai();
});

// DeepSeek's and Google's words for a prompt over the window (their real 400 bodies).
const DEEPSEEK = {
  error: {
    message: "This model's maximum context length is 131072 tokens. However, you requested 140000 tokens (139000 in the messages, 1000 in the completion). Please reduce the length of the messages or completion.",
    type: 'invalid_request_error', param: null, code: 'invalid_request_error',
  },
};
const GEMINI = { error: { code: 400, message: 'The input token count (1100000) exceeds the maximum number of tokens allowed (1048576).', status: 'INVALID_ARGUMENT' } };

describe('a prompt over the context window, bridged', () => {
  for (const [model, key, body] of [['deepseek-chat', 'deepseek /chat/completions', DEEPSEEK], ['gemini-2.5-flash', '', GEMINI]] as const) {
    test(`${model}: OpenAI's 400 context_length_exceeded naming input, streamed and not; one row each`, async () => {
      for (const stream of [false, true]) {
        if (key) replies[key] = () => jsonResponse(body, 400);
        else for (const path of [':generateContent', ':streamGenerateContent?alt=sse']) replies[`gemini /v1beta/models/gemini-2.5-flash${path}`] = () => jsonResponse(body, 400);
        const err = await apiError(client.responses.create({ model, input: 'a very long document', truncation: 'disabled', stream }));
        expect(err).toBeInstanceOf(OpenAI.BadRequestError);
        expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'context_length_exceeded', param: 'input' });
        expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'responses', status: 400, errorType: 'context_length_exceeded' });
      }
    });
  }
});
