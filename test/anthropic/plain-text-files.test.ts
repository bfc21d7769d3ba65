/**
 * A chat `file` part holding plain text (`file_data: data:text/plain;base64,...`), as the openai SDK
 * sends it, reaches each provider in its own terms: Claude as a document block with a plain-text
 * source (the text decoded as UTF-8; Anthropic takes base64 sources for PDFs only), Gemini as
 * `inlineData` text/plain, OpenAI as sent. Text that is not UTF-8 is a 400 before any call. And
 * /v1/messages' plain-text documents reach a non-Claude model as text. Fake upstreams on loopback,
 * their wire bodies checked.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicJson } from './fake-anthropic';

const TEXT = 'Grüße aus Köln — 東京 🚀\nline two\n';
const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64');
const PDF = 'data:application/pdf;base64,JVBERi0xLjQK';
const textFile = (data = `data:text/plain;base64,${b64(TEXT)}`) => ({ type: 'file' as const, file: { filename: 'notes.txt', file_data: data } });
const ask = (file: ReturnType<typeof textFile>) => [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Summarise:' }, file] }];

let anthropic: FakeUpstream;
let gemini: FakeUpstream;
let openai: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  anthropic = startFakeUpstream(() => jsonResponse(anthropicJson('text.json')));
  gemini = startFakeUpstream(() => jsonResponse(fixtureJson('gemini', 'text.json')));
  openai = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
  gw = await startGateway({
    env: { ...providerEnv('anthropic', anthropic.url), ...providerEnv('gemini', gemini.url), ...providerEnv('openai', `${openai.url}/v1`) },
  });
});
afterAll(async () => {
  await gw.close();
  for (const f of [anthropic, gemini, openai]) f.close();
});

test('Claude: a plain-text file goes as a document with a text source, decoded as UTF-8 (a PDF beside it as before), its filename as the title', async () => {
  const before = anthropic.requests.length;
  const messages = [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Compare:' }, textFile(`data:text/plain;charset=utf-8;base64,${b64(TEXT)}`), { type: 'file' as const, file: { filename: 'a.pdf', file_data: PDF } }] }];
  const res = await gw.openai().chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages });
  expect(res.choices[0]!.message.content).toBeString();
  expect(anthropic.requests.length).toBe(before + 1);
  expect(anthropic.last().body.messages).toEqual([
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Compare:' },
        { type: 'document', source: { type: 'text', media_type: 'text/plain', data: TEXT }, title: 'notes.txt' },
        { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' }, title: 'a.pdf' },
      ],
    },
  ]);
});

test('Claude: without a filename no title; a filename is one line, at most 500 characters', async () => {
  const noName = { type: 'file' as const, file: { file_data: `data:text/plain;base64,${b64(TEXT)}` } };
  await gw.openai().chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: ask(noName as any) });
  expect(anthropic.last().body.messages[0].content[1]).toEqual({ type: 'document', source: { type: 'text', media_type: 'text/plain', data: TEXT } });
  const long = { type: 'file' as const, file: { filename: `a\nb${'x'.repeat(600)}`, file_data: `data:text/plain;base64,${b64(TEXT)}` } };
  await gw.openai().chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: ask(long) });
  expect(anthropic.last().body.messages[0].content[1].title).toBe(`a b${'x'.repeat(497)}`);
});

test('Claude: a plain-text file that is not UTF-8 is a 400 naming the part, before any call, with its one row', async () => {
  const before = anthropic.requests.length;
  const latin1 = Uint8Array.from([0x47, 0x72, 0xfc, 0xdf, 0x65]); // "Grüße" in ISO-8859-1
  const err = await apiError(gw.openai().chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: ask(textFile(`data:text/plain;base64,${b64(latin1)}`)) }));
  expect(err).toBeInstanceOf(OpenAI.BadRequestError);
  expect([err.status, err.code, err.param]).toEqual([400, 'invalid_encoding', 'messages[0].content[1].file.file_data']);
  expect(err.message).toContain('UTF-8');
  expect(anthropic.requests.length).toBe(before);
  const row = await gw.waitForRow(err.headers!.get('x-request-id')!);
  expect([row.status, row.errorType]).toEqual([400, 'invalid_encoding']);
});

test('Claude: other file types are still refused as content it does not take', async () => {
  const err = await apiError(gw.openai().chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: ask(textFile(`data:text/csv;base64,${b64('a,b\n')}`)) }));
  expect([err.status, err.code]).toEqual([400, 'unsupported_content']);
  expect(err.message).toContain('plain text');
});

test('Gemini: the same part goes as inlineData text/plain, its bytes as sent', async () => {
  await gw.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: ask(textFile()) });
  expect(gemini.last().body.contents).toEqual([{ role: 'user', parts: [{ text: 'Summarise:' }, { inlineData: { mimeType: 'text/plain', data: b64(TEXT) } }] }]);
});

test('OpenAI: the part goes as sent', async () => {
  await gw.openai().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: ask(textFile()) });
  expect(openai.last().body.messages).toEqual(ask(textFile()));
});

test('/v1/messages: a plain-text document reaches a non-Claude model as text, and Claude as sent', async () => {
  const client = new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0 });
  const content = [
    { type: 'text' as const, text: 'Summarise:' },
    { type: 'document' as const, source: { type: 'text' as const, media_type: 'text/plain' as const, data: TEXT } },
  ];
  await client.messages.create({ model: 'openai/gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content }] });
  expect(openai.last().body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Summarise:' }, { type: 'text', text: TEXT }] }]);
  await client.messages.create({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content }] });
  expect(anthropic.last().body.messages).toEqual([{ role: 'user', content }]);
});

test("/v1/messages: a text document's title and context reach a non-Claude model with its text (Claude shows them), text and content sources alike; one row", async () => {
  const client = new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0 });
  const doc = (title: string, data: string, context?: string) =>
    ({ type: 'document' as const, title, ...(context && { context }), source: { type: 'text' as const, media_type: 'text/plain' as const, data } });
  const content = [
    doc('Contract A', 'Term: 12 months.', 'Signed 2024 by ACME.'),
    doc('Contract B', 'Term: 24 months.'),
    { type: 'document' as const, title: 'Annex', source: { type: 'content' as const, content: [{ type: 'text' as const, text: 'Fees: none.' }] } },
    { type: 'text' as const, text: 'Which contract runs longer?' },
  ];
  const { response } = await client.messages.create({ model: 'openai/gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content }] }).withResponse();
  expect(openai.last().body.messages[0].content).toEqual([
    { type: 'text', text: 'File: Contract A\nContext: Signed 2024 by ACME.\nTerm: 12 months.' },
    { type: 'text', text: 'File: Contract B\nTerm: 24 months.' },
    { type: 'text', text: 'File: Annex\nFees: none.' },
    { type: 'text', text: 'Which contract runs longer?' },
  ]);
  expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'messages', status: 200 });
  await client.messages.create({ model: 'gemini/gemini-2.5-flash', max_tokens: 50, messages: [{ role: 'user', content }] });
  expect(gemini.last().body.contents[0].parts[0]).toEqual({ text: 'File: Contract A\nContext: Signed 2024 by ACME.\nTerm: 12 months.' });
});
