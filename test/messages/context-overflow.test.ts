/**
 * A prompt over the model's window on a translated target answers in Anthropic's words, which
 * Claude Code reads: `prompt is too long: N tokens > M maximum` starts its reactive compaction,
 * `input length and \`max_tokens\` exceed context limit: I + O > N` its retry with a smaller
 * max_tokens. Each provider's own 400 (recorded wording) from a fake upstream, driven with the
 * official Anthropic SDK, matched with the expressions Claude Code applies to the SDK's message.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { anthropicOverflowMessage, parseContextOverflow } from '../../src/errors/context-overflow';
import { jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicClient } from './messages-helpers';

/** Claude Code's own expressions (its parsePromptTooLongTokenCounts and withRetry's max_tokens parse). */
const PROMPT_TOO_LONG = /prompt is too long[^0-9]*(\d+)\s*tokens?\s*>\s*(\d+)/i;
const MAX_TOKENS_OVER = /input length and `max_tokens` exceed context limit: (\d+) \+ (\d+) > (\d+)/;

const OPENAI_REQUESTED =
  "This model's maximum context length is 128000 tokens. However, you requested 140000 tokens (108000 in the messages, 32000 in the completion). Please reduce the length of the messages or completion.";
const OPENAI_RESULTED =
  "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens (129000 in the messages, 1512 in the functions). Please reduce the length of the messages or functions.";
const OPENAI_NEW = 'Your input exceeds the context window of this model. Please adjust your input and try again.';
const GEMINI = 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).';
const XAI = "This model's maximum prompt length is 131072 but the request contains 140000 tokens.";
const MOONSHOT = 'Invalid request: Your request exceeded model token limit: 262144';

let openai: FakeUpstream;
let gemini: FakeUpstream;
let grok: FakeUpstream;
let moonshot: FakeUpstream;
let anthropic: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  openai = startFakeUpstream();
  gemini = startFakeUpstream(() => jsonResponse({ error: { code: 400, message: GEMINI, status: 'INVALID_ARGUMENT' } }, 400));
  grok = startFakeUpstream(() => jsonResponse({ code: 'Client specified an invalid argument', error: XAI }, 400));
  moonshot = startFakeUpstream(() => jsonResponse({ error: { message: MOONSHOT, type: 'invalid_request_error' } }, 400));
  anthropic = startFakeUpstream(() =>
    jsonResponse({ type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 208310 tokens > 200000 maximum' } }, 400),
  );
  gw = await startGateway({
    env: {
      ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('gemini', `${gemini.url}/v1beta`),
      ...providerEnv('grok', `${grok.url}/v1`), ...providerEnv('moonshot', `${moonshot.url}/v1`),
      ANTHROPIC_API_KEY: 'sk-ant-test-0123456789', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: anthropic.url,
    },
  });
  client = anthropicClient(gw);
});
afterAll(async () => {
  await gw.close();
  for (const f of [openai, gemini, grok, moonshot, anthropic]) f.close();
});

const openaiSays = (message: string, code: string | null = 'context_length_exceeded') => () =>
  jsonResponse({ error: { message, type: 'invalid_request_error', param: 'messages', code } }, 400);

const ask = (model: string, stream = false) => ({ model, stream, max_tokens: 32000, messages: [{ role: 'user' as const, content: 'a long session' }] });

/** The SDK's error for a request, and the log row of it. */
async function refusal(model: string, stream = false) {
  const err = await client.messages.create(ask(model, stream) as any).then(
    () => { throw new Error('expected a 400'); },
    (e) => e,
  );
  expect(err).toBeInstanceOf(Anthropic.BadRequestError);
  expect(err.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  const row = await gw.waitForRow(err.requestID);
  expect(row).toMatchObject({ endpoint: 'messages', status: 400 });
  return err as InstanceType<typeof Anthropic.BadRequestError>;
}

describe('Claude Code reads the overflow in Anthropic\'s words', () => {
  test('OpenAI, the prompt fits but not with max_tokens (JSON and stream): the max_tokens message, with the counts', async () => {
    openai.handler = openaiSays(OPENAI_REQUESTED);
    for (const stream of [false, true]) {
      const err = await refusal('openai/gpt-4o-mini', stream);
      expect(MAX_TOKENS_OVER.exec(err.message)?.slice(1)).toEqual(['108000', '32000', '128000']);
      expect(err.message).toContain(OPENAI_REQUESTED); // the provider's words kept beside
    }
  });

  test('OpenAI, the prompt alone is over (tool definitions counted in): prompt is too long with the counts', async () => {
    openai.handler = openaiSays(OPENAI_RESULTED);
    const err = await refusal('openai/gpt-4o-mini');
    expect(PROMPT_TOO_LONG.exec(err.message)?.slice(1)).toEqual(['130512', '128000']);
  });

  test("OpenAI's newer wording without counts: still prompt is too long (Claude Code compacts by its own measure)", async () => {
    openai.handler = openaiSays(OPENAI_NEW);
    const err = await refusal('openai/gpt-4o-mini');
    expect(err.message.toLowerCase()).toContain('prompt is too long');
    expect(PROMPT_TOO_LONG.exec(err.message)).toBeNull(); // no counts made up
  });

  test('Gemini, xAI and Moonshot in their own words', async () => {
    expect(PROMPT_TOO_LONG.exec((await refusal('gemini/gemini-2.5-flash')).message)?.slice(1)).toEqual(['1200000', '1048576']);
    expect(PROMPT_TOO_LONG.exec((await refusal('grok/grok-4')).message)?.slice(1)).toEqual(['140000', '131072']);
    expect((await refusal('moonshot/kimi-k2-0905-preview')).message.toLowerCase()).toContain('prompt is too long');
  });

  test("Moonshot's other wording of it ('Input token length too long', its error table's 400) is the overflow too", async () => {
    moonshot.handler = () => jsonResponse({ error: { message: 'Invalid request: Input token length too long', type: 'invalid_request_error' } }, 400);
    try {
      const err = await refusal('moonshot/kimi-k2-0905-preview');
      expect((err.error as any).error.message).toStartWith("prompt is too long for the model's context window");
    } finally {
      moonshot.handler = () => jsonResponse({ error: { message: MOONSHOT, type: 'invalid_request_error' } }, 400);
    }
  });

  test("Anthropic's own message is relayed as it is; another 400 keeps the provider's words", async () => {
    const native = await refusal('claude-sonnet-4-5');
    expect(PROMPT_TOO_LONG.exec(native.message)?.slice(1)).toEqual(['208310', '200000']);
    expect(native.message.match(/prompt is too long/g)).toHaveLength(1);

    openai.handler = openaiSays("Invalid 'messages[0].content': string too long.", 'string_above_max_length');
    const other = await refusal('openai/gpt-4o-mini');
    expect(other.message).toContain("Invalid 'messages[0].content': string too long.");
    expect(other.message.toLowerCase()).not.toContain('prompt is too long');
  });
});

test('parseContextOverflow reads each wording; other text is not an overflow', () => {
  expect(parseContextOverflow(OPENAI_REQUESTED)).toEqual({ input: 108000, output: 32000, limit: 128000 });
  expect(parseContextOverflow(OPENAI_RESULTED)).toEqual({ input: 130512, output: undefined, limit: 128000 });
  expect(parseContextOverflow(OPENAI_NEW, 'context_length_exceeded')).toEqual({ input: undefined, output: undefined, limit: undefined });
  expect(parseContextOverflow(GEMINI)).toEqual({ input: 1200000, output: undefined, limit: 1048576 });
  expect(parseContextOverflow(XAI)).toEqual({ input: 140000, output: undefined, limit: 131072 });
  expect(parseContextOverflow(MOONSHOT)).toEqual({ input: undefined, output: undefined, limit: 262144 });
  const vllm = "Requested token count exceeds the model's maximum context length of 262144 tokens. You requested a total of 262462 tokens: 230462 tokens from the input messages and 32000 tokens for the completion.";
  expect(parseContextOverflow(vllm)).toEqual({ input: 230462, output: 32000, limit: 262144 });
  const vllmMax = "'max_tokens' or 'max_completion_tokens' is too large: 32000. This model's maximum context length is 40960 tokens and your request has 10000 input tokens (32000 > 40960 - 10000).";
  expect(parseContextOverflow(vllmMax)).toEqual({ input: 10000, output: 32000, limit: 40960 });
  for (const other of ["Invalid 'messages[0].content': string too long.", 'Rate limit reached for requests', 'Unsupported parameter: stop']) {
    expect(parseContextOverflow(other)).toBeNull();
  }
  // The max_tokens message only when the prompt itself fits.
  expect(anthropicOverflowMessage({ input: 130000, output: 32000, limit: 128000 }, 'x')).toStartWith('prompt is too long: 130000 tokens > 128000 maximum');
});
