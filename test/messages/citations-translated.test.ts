/**
 * `citations: {enabled: true}` on a document (or search result) block. Only Anthropic's API cites;
 * a translated target answers with `citations: null` text blocks, which clients could not tell
 * from an answer that found nothing to cite. The request is accepted (Claude Code and the SDKs may
 * ask for citations as a matter of course), nothing is made up, and the answer says what it left
 * out: `x-gophergate-ignored: citations`. Anthropic's own answer carries its citations and no such
 * header. The official @anthropic-ai/sdk over HTTP, fakes replaying each API's wire shapes, one log
 * row per request by x-request-id.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { CORS_HEADERS } from '../../src/http/v1-cors-headers';
import { modelGroups } from '../../src/db/schema';
import { anthropicClient, answerOf, foldChatChunks } from './messages-helpers';
import { startRefusalGateway, stopRefusalGateway } from './anthropic-refusals';

const HEADER = 'x-gophergate-ignored';
const DOC_TEXT = 'The grass is green. The sky is blue.';
const cited = (enabled: boolean | undefined) => ({
  type: 'document' as const,
  source: { type: 'text' as const, media_type: 'text/plain' as const, data: DOC_TEXT },
  title: 'My Document',
  ...(enabled !== undefined && { citations: { enabled } }),
});

/** Anthropic's answer citing the document (the shape of its citations docs' example). */
const ANTHROPIC_CITED = {
  ...fixtureJson('anthropic', 'text.json'),
  content: [
    { type: 'text', text: 'According to the document, ' },
    { type: 'text', text: 'the grass is green', citations: [{ type: 'char_location', cited_text: 'The grass is green.', document_index: 0, document_title: 'My Document', start_char_index: 0, end_char_index: 20 }] },
  ],
};

let openai: FakeUpstream;
let anthropic: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  const chunks = readChunks('openai', 'text.chunks.txt');
  openai = startFakeUpstream((_r, rec) => (rec.body?.stream ? sseResponse(chunks) : jsonResponse(foldChatChunks(chunks))));
  anthropic = startFakeUpstream(() => jsonResponse(ANTHROPIC_CITED));
  gw = await startRefusalGateway(openai, anthropic);
  gw.ctx.db.insert(modelGroups).values({ name: 'cite-first-claude', strategy: 'heuristic', targets: ['anthropic/claude-sonnet-4-5', 'openai/gpt-4o-mini'], updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
  client = anthropicClient(gw);
});
afterAll(() => stopRefusalGateway(gw, openai, anthropic));

const params = (model: string, content: Anthropic.ContentBlockParam[]): Anthropic.MessageCreateParamsNonStreaming => ({
  model, max_tokens: 512, messages: [{ role: 'user', content }],
});

for (const stream of [false, true]) {
  test(`translated${stream ? ', streamed' : ''}: served with no made-up citations, the answer names what it left out; one row`, async () => {
    const calls = openai.requests.length;
    const { data, response } = await answerOf(client, params('openai/gpt-4o-mini', [cited(true), { type: 'text', text: 'What colour is the grass?' }]), stream);
    expect(response.status).toBe(200);
    expect(response.headers.get(HEADER)).toBe('citations');
    expect(data.content.length).toBeGreaterThan(0);
    for (const b of data.content) expect(b).toMatchObject({ type: 'text', citations: null });
    expect(openai.requests.length).toBe(calls + 1);
    // The document still reaches the model, as text.
    expect(JSON.stringify(openai.last().body.messages)).toContain(DOC_TEXT);
    const id = response.headers.get('x-request-id')!;
    expect(await gw.waitForRow(id)).toMatchObject({ endpoint: 'messages', status: 200, provider: 'openai', stream });
    expect(gw.logs.filter((r) => r.requestId === id)).toHaveLength(1);
  });
}

test('a search result or a document inside a tool result asking for citations is named too', async () => {
  const search: Anthropic.SearchResultBlockParam = { type: 'search_result', source: 'https://example.com/grass', title: 'Grass', content: [{ type: 'text', text: DOC_TEXT }], citations: { enabled: true } };
  const inResult: Anthropic.MessageCreateParamsNonStreaming = {
    model: 'openai/gpt-4o-mini', max_tokens: 512,
    tools: [{ name: 'fetch_doc', input_schema: { type: 'object' } }],
    messages: [
      { role: 'user', content: 'Fetch the document.' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01Doc', name: 'fetch_doc', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01Doc', content: [cited(true)] }] },
    ],
  };
  for (const body of [params('openai/gpt-4o-mini', [search, { type: 'text', text: 'Colour?' }]), inResult]) {
    const { response } = await client.messages.create(body).withResponse();
    expect(response.headers.get(HEADER)).toBe('citations');
    expect(await gw.waitForRow(response.headers.get('x-request-id')!)).toMatchObject({ status: 200, provider: 'openai' });
  }
});

test('no header when no block asks for citations (absent or enabled: false)', async () => {
  for (const enabled of [undefined, false]) {
    const { response } = await client.messages.create(params('openai/gpt-4o-mini', [cited(enabled), { type: 'text', text: 'Colour?' }])).withResponse();
    expect(response.headers.get(HEADER)).toBeNull();
    expect(await gw.waitForRow(response.headers.get('x-request-id')!)).toMatchObject({ status: 200 });
  }
});

test("an Anthropic target gets the request as sent and its citations come back; no header", async () => {
  const { data, response } = await client.messages.create(params('claude-sonnet-4-5', [cited(true), { type: 'text', text: 'What colour is the grass?' }])).withResponse();
  expect(response.headers.get(HEADER)).toBeNull();
  expect(anthropic.last().body.messages[0].content[0]).toMatchObject({ type: 'document', citations: { enabled: true } });
  const citedBlock = data.content[1] as Anthropic.TextBlock;
  expect(citedBlock.citations).toEqual(ANTHROPIC_CITED.content[1]!.citations as any);
  expect(await gw.waitForRow(response.headers.get('x-request-id')!)).toMatchObject({ status: 200, provider: 'anthropic' });
});

test('a group whose Anthropic target is overloaded: the translated fallback answers, and its answer carries the header; one row', async () => {
  anthropic.handler = () => jsonResponse(fixtureJson('anthropic', 'error-529.json'), 529);
  try {
    const { data, response } = await client.messages.create(params('cite-first-claude', [cited(true), { type: 'text', text: 'Colour?' }])).withResponse();
    expect(response.headers.get('x-gophergate-provider')).toBe('openai');
    expect(response.headers.get(HEADER)).toBe('citations');
    for (const b of data.content) expect(b).toMatchObject({ type: 'text', citations: null });
    expect(await gw.waitForRow(response.headers.get('x-request-id')!)).toMatchObject({ status: 200, provider: 'openai' });
  } finally {
    anthropic.handler = () => jsonResponse(ANTHROPIC_CITED);
  }
});

test('a browser app can read the header (CORS expose-headers)', () => {
  expect(CORS_HEADERS['access-control-expose-headers']!.split(', ')).toContain(HEADER);
});
