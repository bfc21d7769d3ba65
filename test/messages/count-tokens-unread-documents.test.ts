/**
 * count_tokens answers a PDF a target cannot read as /v1/messages does. DeepSeek (text only),
 * Kimi, xAI and Ollama (text and images) refuse a `document` block, by URL too, before any call:
 * count_tokens gives the same 400 (status, type, message, error code) instead of downloading the
 * PDF to count it, and fetches nothing. A group whose first target refuses it goes on to the next,
 * as /v1/messages does: the count is that target's. Driven with @anthropic-ai/sdk over real HTTP
 * against loopback fakes; one row each.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { api, login } from '../helpers/admin-harness';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { makePdf } from '../helpers/make-pdf';
import { startPdfHost } from '../helpers/pdf-host';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicClient } from './messages-helpers';
import { recording } from './translated-rig';

const PDF = makePdf(2);
const docs = startPdfHost(PDF);
let openai: FakeUpstream;
let other: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  openai = startFakeUpstream(recording('openai', 'text.chunks.txt'));
  // DeepSeek, Kimi, xAI and Ollama: none of them may be called.
  other = startFakeUpstream();
  gw = await startGateway({
    env: {
      ...providerEnv('openai', `${openai.url}/v1`),
      ...providerEnv('deepseek', `${other.url}/v1`),
      ...providerEnv('moonshot', `${other.url}/v1`),
      ...providerEnv('grok', `${other.url}/v1`),
      ...providerEnv('ollama', `${other.url}/v1`),
      LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS: '127.0.0.1',
    },
  });
  const admin = await login(gw, 'admin', 'test-admin-password');
  const group = { name: 'pdf-fallback', strategy: 'heuristic', targets: ['deepseek/deepseek-chat', 'openai/gpt-4o-mini'], settings: { rules: [] } };
  expect((await api(gw, 'POST', '/api/groups', { as: admin, body: group })).status).toBe(201);
  client = anthropicClient(gw);
});
afterAll(async () => {
  await gw?.close();
  openai?.close();
  other?.close();
  docs.stop();
});

const byUrl = () => ({ type: 'document' as const, source: { type: 'url' as const, url: docs.url('/annual-report.pdf') } });
const inline = () => ({ type: 'document' as const, source: { type: 'base64' as const, media_type: 'application/pdf' as const, data: PDF.toString('base64') } });
const messages = (doc: ReturnType<typeof byUrl> | ReturnType<typeof inline>) => [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Sum up.' }, doc] }];
const sent = () => [docs.hitsOf('/annual-report.pdf'), openai.requests.length, other.requests.length];

/** [model, what its models read] */
const REFUSING: [string, string, string][] = [
  ['deepseek/deepseek-chat', 'deepseek', 'text only'],
  ['moonshot/kimi-k2-0905-preview', 'moonshot', 'text and images only'],
  ['grok/grok-4', 'grok', 'text and images only'],
  ['ollama/llama3.2', 'ollama', 'text and images only'],
];

describe('a target that reads no PDFs: count_tokens refuses as /v1/messages does, fetching nothing', () => {
  for (const [model, provider, reads] of REFUSING) {
    for (const [how, doc] of [['by URL', byUrl], ['inline', inline]] as const) {
      test(`${model}, a PDF ${how}`, async () => {
        const before = sent();
        const created: any = await client.messages.create({ model, max_tokens: 100, messages: messages(doc()) }).catch((e) => e);
        const counted: any = await client.messages.countTokens({ model, messages: messages(doc()) }).catch((e) => e);
        expect(counted).toBeInstanceOf(Anthropic.BadRequestError);
        expect(counted.error.error).toEqual({
          type: 'invalid_request_error',
          message: `Content of type 'document' (messages.0.content.1) is not supported by provider '${provider}': its models read ${reads}.`,
          details: { error_code: 'unsupported_parameter' },
        });
        expect([counted.status, counted.error]).toEqual([created.status, created.error]);
        expect(sent()).toEqual(before);
        const row = await gw.waitForRow(counted.requestID);
        expect([row.endpoint, row.status, row.errorType]).toEqual(['count_tokens', 400, 'unsupported_parameter']);
        expect(gw.logs.filter((r) => r.requestId === row.requestId)).toHaveLength(1);
      });
    }
  }
});

test('a group whose first target reads no PDFs: counted for the next target, as /v1/messages is served by it', async () => {
  const before = sent();
  const { data, response } = await client.messages.countTokens({ model: 'pdf-fallback', messages: messages(byUrl()) }).withResponse();
  const direct = await client.messages.countTokens({ model: 'openai/gpt-4o-mini', messages: messages(byUrl()) });
  expect(data.input_tokens).toBeGreaterThanOrEqual(2 * 3_000);
  expect(data.input_tokens).toBe(direct.input_tokens);
  // Downloaded once for each count; nothing sent to a model.
  expect(sent()).toEqual([before[0]! + 2, before[1], before[2]]);
  const row = await gw.waitForRow(response.headers.get('x-request-id')!);
  expect([row.endpoint, row.status, row.provider]).toEqual(['count_tokens', 200, 'openai']);

  const answer = await client.messages.create({ model: 'pdf-fallback', max_tokens: 100, messages: messages(byUrl()) }).withResponse();
  expect((await gw.waitForRow(answer.response.headers.get('x-request-id')!)).provider).toBe('openai');
  expect(other.requests.length).toBe(before[2]);
});

test('an image for DeepSeek (text only): the refusal /v1/messages gives', async () => {
  const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
  const body = { model: 'deepseek/deepseek-chat', messages: [{ role: 'user' as const, content: [{ type: 'image' as const, source: { type: 'base64' as const, media_type: 'image/png' as const, data: png } }] }] };
  const created: any = await client.messages.create({ ...body, max_tokens: 100 }).catch((e) => e);
  const counted: any = await client.messages.countTokens(body).catch((e) => e);
  expect([counted.status, counted.error.error.details]).toEqual([400, { error_code: 'unsupported_parameter' }]);
  expect([counted.status, counted.error]).toEqual([created.status, created.error]);
});
