/**
 * Malformed Messages requests Anthropic refuses on every model with 400 invalid_request_error, and
 * its words for each: shared by /v1/messages (messages-validation.test.ts) and count_tokens
 * (count-tokens-checks.test.ts), which refuse them the same way before any upstream call.
 */
import type { FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

/** The gateway both tests judge: `openai/*` on one fake, the mock on, `claude-*` on Anthropic's fake. */
export function startRefusalGateway(openai: FakeUpstream, anthropic: FakeUpstream): Promise<TestGateway> {
  return startGateway({
    env: { ...providerEnv('openai', `${openai.url}/v1`), LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true', ANTHROPIC_API_KEY: 'sk-ant-test-0123456789', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: anthropic.url },
  });
}

/** Stops what startRefusalGateway's caller started: the gateway, then its fakes. */
export async function stopRefusalGateway(gw: TestGateway, ...fakes: FakeUpstream[]): Promise<void> {
  await gw.close();
  for (const f of fakes) f.close();
}

export const user = (content: unknown) => ({ role: 'user', content });
export const SPACE = 'messages: text content blocks must contain non-whitespace text';
export const call = (...ids: string[]) => ({ role: 'assistant', content: ids.map((id) => ({ type: 'tool_use', id, name: 'weather', input: {} })) });
export const result = (id: string, content: unknown = 'Sunny') => ({ type: 'tool_result', tool_use_id: id, content });
export const weather = [{ name: 'weather', input_schema: { type: 'object' } }];
const image = (media_type: string, data: string) => ({ type: 'image', source: { type: 'base64', media_type, data } });
export const doc = (fields: object) => ({ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'The sky is blue.' }, ...fields });
export const search = (fields: object) => ({ type: 'search_result', source: 'https://example.com/sky', title: 'Sky', content: [{ type: 'text', text: 'The sky is blue.' }], ...fields });
const cached = (text: string) => ({ type: 'text', text, cache_control: { type: 'ephemeral' } });

/** Refused before any call, for every target, with Anthropic's own message: [name, body fields, message]. */
export const ANTHROPIC_WORDS: [string, Record<string, unknown>, string][] = [
  ['a whitespace-only text block', { messages: [user([{ type: 'text', text: ' \n ' }])] }, SPACE],
  ['a string content of spaces and newlines', { messages: [user('  \n')] }, SPACE],
  ['an empty string content', { messages: [user('')] }, 'messages.0: all messages must have non-empty content except for the optional final assistant message'],
  ['an empty text block beside text', { messages: [user([{ type: 'text', text: '' }, { type: 'text', text: 'Hi' }])] }, 'messages: text content blocks must be non-empty'],
  ['a whitespace-only assistant turn', { messages: [user('Hi'), { role: 'assistant', content: '\n\n' }, user('Again')] }, SPACE],
  ['a prefill ending in a space', { messages: [user('Hi'), { role: 'assistant', content: 'Sure, ' }] }, 'messages: final assistant content cannot end with trailing whitespace'],
  ['a prefill block ending in a newline', { messages: [user('Hi'), { role: 'assistant', content: [{ type: 'text', text: '```json\n' }] }] }, 'messages: final assistant content cannot end with trailing whitespace'],
  ['a whitespace-only text block in a tool result', { tools: weather, messages: [user('Weather?'), call('toolu_01'), user([result('toolu_01', [{ type: 'text', text: ' ' }])])] }, SPACE],
  ['an empty system text block', { system: [{ type: 'text', text: '' }] }, 'system: text content blocks must be non-empty'],
  ['a whitespace-only system text block', { system: [{ type: 'text', text: '\n' }] }, 'system: text content blocks must contain non-whitespace text'],
  ['an empty stop sequence', { stop_sequences: ['END', ''] }, 'stop_sequences: each stop sequence must be non-empty'],
  ['a newline stop sequence', { stop_sequences: ['\n'] }, 'stop_sequences: each stop sequence must contain non-whitespace'],
  ["OpenAI's stop", { stop: ['END'] }, 'stop: Extra inputs are not permitted'],
  ["OpenAI's max_completion_tokens", { max_completion_tokens: 100 }, 'max_completion_tokens: Extra inputs are not permitted'],
  ['a tool_result for no call', { tools: weather, messages: [user([result('toolu_09')])] },
    'messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_09. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.'],
  ["a tool_result answering an older turn's call", { tools: weather, messages: [user('Weather?'), call('toolu_01'), user([result('toolu_01')]), call('toolu_02'), user([result('toolu_02'), result('toolu_01')])] },
    'messages.4.content.1: unexpected `tool_use_id` found in `tool_result` blocks: toolu_01. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.'],
  ['calls left unanswered', { tools: weather, messages: [user('Weather?'), call('toolu_01', 'toolu_02'), user([result('toolu_02')]), user('Never mind')] },
    'messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_01. Each `tool_use` block must have a corresponding `tool_result` block in the next message.'],
  ['one call id twice in a turn', { tools: weather, messages: [user('Weather?'), call('toolu_01', 'toolu_01'), user([result('toolu_01')])] }, 'messages.1.content.1: `tool_use` ids must be unique'],
  ['a tool_use input that is a string', { tools: weather, messages: [user('Weather?'), { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'weather', input: 'Paris' }] }, user([result('toolu_01')])] },
    'messages.1.content.0.tool_use.input: Input should be a valid dictionary'],
  ['a BMP image', { messages: [user([image('image/bmp', 'Qk0=')])] }, "messages.0.content.0.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'"],
  ['an SVG image in a tool result', { tools: weather, messages: [user('Map?'), call('toolu_01'), user([result('toolu_01', [image('image/svg+xml', 'PHN2Zz4=')])])] },
    "messages.2.content.0.tool_result.content.0.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'"],
  ['image data that is not base64', { messages: [user([image('image/png', 'not base64!')])] }, 'messages.0.content.0.image.source.base64.data: Input should be valid base64 data'],
  ['cache_control of another type', { messages: [user([{ type: 'text', text: 'Hi', cache_control: { type: 'persistent' } }])] },
    "messages.0.content.0.text.cache_control: Input tag 'persistent' found using 'type' does not match any of the expected tags: 'ephemeral'"],
  ['cache_control with a ttl of 2h', { system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral', ttl: '2h' } }] }, "system.0.text.cache_control.ephemeral.ttl: Input should be '5m' or '1h'"],
  ['five cache_control blocks', { system: [cached('a'), cached('b')], messages: [user([cached('c'), cached('d'), cached('e')])] }, 'A maximum of 4 blocks with cache_control may be provided. Found 5.'],
  ['document citations true', { messages: [user([{ type: 'text', text: 'Sum up' }, doc({ citations: true })])] }, 'messages.0.content.1.document.citations: Input should be a valid dictionary'],
  ['document citations enabled "yes"', { messages: [user([doc({ citations: { enabled: 'yes' } })])] }, 'messages.0.content.0.document.citations.enabled: Input should be a valid boolean'],
  ['a document title that is a number', { messages: [user([doc({ title: 7 })])] }, 'messages.0.content.0.document.title: Input should be a valid string'],
  ['a document context that is an object', { messages: [user([doc({ context: { about: 'x' } })])] }, 'messages.0.content.0.document.context: Input should be a valid string'],
  ['search_result citations a list, in a tool result', { tools: weather, messages: [user('Find'), call('toolu_01'), user([result('toolu_01', [search({ citations: [true] })])])] },
    'messages.2.content.0.tool_result.content.0.search_result.citations: Input should be a valid dictionary'],
  ['a tool without input_schema', { tools: [{ name: 'weather' }] }, 'tools.0.custom.input_schema: Field required'],
  ['a tool whose input_schema is not an object schema', { tools: [{ name: 'weather', input_schema: { type: 'string' } }] }, "tools.0.custom.input_schema.type: Input should be 'object'"],
  ['two tools of one name', { tools: [...weather, ...weather] }, 'tools: Tool names must be unique.'],
  // A top-level field sent with the wrong type is named with its type, never "Field required".
  ['a model that is a number', { model: 5 }, 'model: Input should be a valid string'],
  ['a model that is null', { model: null }, 'model: Input should be a valid string'],
  ['an empty model', { model: '' }, 'model: String should have at least 1 character'],
  ['messages as a string', { messages: 'Hello' }, 'messages: Input should be a valid list'],
  ['messages as an object', { messages: user('Hello') }, 'messages: Input should be a valid list'],
  ['max_tokens as a string', { max_tokens: '100' }, 'max_tokens: Input should be a valid integer'],
  // system and content take a string too; Anthropic's 400 names the list ("system: Input should be a valid list").
  ['system as a number', { system: 5 }, 'system: Input should be a valid list'],
  ['system as an object', { system: { type: 'text', text: 'Be brief.' } }, 'system: Input should be a valid list'],
  ['tools as a number', { tools: 5 }, 'tools: Input should be a valid list'],
  ['tools as an object', { tools: { name: 'weather', input_schema: { type: 'object' } } }, 'tools: Input should be a valid list'],
  ["a turn's content as a number", { messages: [user(5)] }, 'messages.0.content: Input should be a valid list'],
  ['stop_sequences as a string', { stop_sequences: 'END' }, 'stop_sequences: Input should be a valid list'],
  ['a stop sequence that is a number', { stop_sequences: ['END', 7] }, 'stop_sequences.1: Input should be a valid string'],
  ['stream as a string', { stream: 'true' }, 'stream: Input should be a valid boolean'],
  // ...and a field not sent is (undefined is left out of the JSON body).
  ['no model', { model: undefined }, 'model: Field required'],
  ['no messages', { messages: undefined }, 'messages: Field required'],
  // Values out of Anthropic's ranges, in the words its 400s are quoted with.
  ['a temperature above 1', { temperature: 1.5 }, 'temperature: range: 0..1'],
  ['a negative temperature', { temperature: -0.5 }, 'temperature: range: 0..1'],
  ['a temperature that is a string', { temperature: '0.5' }, 'temperature: Input should be a valid number'],
  ['a top_p above 1', { top_p: 1.01 }, 'top_p: range: 0..1'],
  ['a fractional top_k', { top_k: 2.5 }, 'top_k: Input should be a valid integer'],
  ['max_tokens 0', { max_tokens: 0 }, 'max_tokens: Input should be greater than or equal to 1'],
  ['a negative max_tokens', { max_tokens: -5 }, 'max_tokens: Input should be greater than or equal to 1'],
  ['a fractional max_tokens', { max_tokens: 1.5 }, 'max_tokens: Input should be a valid integer'],
  ['a thinking budget below 1024', { thinking: { type: 'enabled', budget_tokens: 512 } }, 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024'],
  ['an empty messages list', { messages: [] }, 'messages: at least one message is required'],
  ["OpenAI's tool role", { messages: [user('Weather?'), { role: 'tool', content: 'Sunny' }] },
    'messages: Unexpected role "tool". Allowed roles are "user" or "assistant". For instructions on how to use tools, see https://platform.claude.com/docs/en/agents-and-tools/tool-use/overview.'],
  ['an unknown role', { messages: [{ role: 'bot', content: 'Hi' }] }, 'messages: Unexpected role "bot". Allowed roles are "user" or "assistant"'],
  ['a message without a role', { messages: [{ content: 'Hi' }] }, 'messages.0.role: Field required'],
  ['metadata.user_id a number', { metadata: { user_id: 7 } }, 'metadata.user_id: Input should be a valid string'],
];

