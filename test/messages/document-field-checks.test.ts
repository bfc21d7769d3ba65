/**
 * A document's or search result's `citations` that is not an object with a boolean `enabled`, and
 * a document's `title` / `context` that are not strings (null allowed): Anthropic's API answers
 * 400 invalid_request_error; the gateway refuses them the same way (it served them, a non-string
 * context dropped), before any upstream call, one row, on JSON and streamed requests, for every
 * target. Driven with @anthropic-ai/sdk over real HTTP; the messages themselves are pinned for
 * both endpoints by anthropic-refusals.ts (ANTHROPIC_WORDS).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { fixtureJson, jsonResponse, readChunks, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { foldChatChunks, anthropicClient } from './messages-helpers';
import { call, doc, result, search, startRefusalGateway, stopRefusalGateway, weather } from './anthropic-refusals';

let openai: FakeUpstream;
let anthropic: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  openai = startFakeUpstream(() => jsonResponse(foldChatChunks(readChunks('openai', 'text.chunks.txt'))));
  anthropic = startFakeUpstream(() => jsonResponse(fixtureJson('anthropic', 'text.json')));
  gw = await startRefusalGateway(openai, anthropic);
  client = anthropicClient(gw);
});
afterAll(() => stopRefusalGateway(gw, openai, anthropic));

const calls = () => openai.requests.length + anthropic.requests.length;
const ask = (model: string, content: unknown[], extra: object = {}) =>
  ({ model, max_tokens: 100, messages: [{ role: 'user', content: [{ type: 'text', text: 'Sum up' }, ...content] }], ...extra }) as any;

/** [name, the block after the text block, Anthropic's message (the path names the block)]. */
const REFUSED: [string, object, string][] = [
  ['citations: true', doc({ citations: true }), 'messages.0.content.1.document.citations: Input should be a valid dictionary'],
  ['citations: {enabled: "yes"}', doc({ citations: { enabled: 'yes' } }), 'messages.0.content.1.document.citations.enabled: Input should be a valid boolean'],
  ['title: 7', doc({ title: 7 }), 'messages.0.content.1.document.title: Input should be a valid string'],
  ['context: ["x"]', doc({ context: ['x'] }), 'messages.0.content.1.document.context: Input should be a valid string'],
  ['search_result citations: "on"', search({ citations: 'on' }), 'messages.0.content.1.search_result.citations: Input should be a valid dictionary'],
];

for (const model of ['openai/gpt-4o-mini', 'mock/echo', 'claude-sonnet-4-5']) {
  describe(`target ${model}`, () => {
    for (const [name, block, message] of REFUSED) {
      for (const stream of [false, true]) {
        test(`${name}${stream ? ', streamed' : ''}: 400 invalid_request_error, no upstream call, one row`, async () => {
          const before = calls();
          const err = await client.messages.create(ask(model, [block], { stream })).catch((e) => e);
          expect(err).toBeInstanceOf(Anthropic.BadRequestError);
          expect(err.error).toEqual({ type: 'error', error: { type: 'invalid_request_error', message, details: { error_code: 'invalid_request' } } });
          const row = await gw.waitForRow(err.requestID);
          expect(row).toMatchObject({ endpoint: 'messages', status: 400, costUsd: 0, stream, errorType: 'invalid_request' });
          expect(row.error).toContain(message);
          expect(gw.logs.filter((r) => r.requestId === row.requestId)).toHaveLength(1);
          expect(calls()).toBe(before);
        });
      }
    }
  });
}

describe('what Anthropic takes is still served', () => {
  test('null title, context and citations, citations {enabled: false} / {} and a search result citing', async () => {
    const blocks = [doc({ title: null, context: null, citations: null }), doc({ title: 'Sky', context: 'A fact', citations: { enabled: false } }), doc({ citations: {} })];
    for (const model of ['openai/gpt-4o-mini', 'claude-sonnet-4-5']) {
      const before = calls();
      const msg = await client.messages.create(ask(model, blocks));
      expect(msg.type).toBe('message');
      expect(calls()).toBe(before + 1);
    }
    const tool = await client.messages.create({
      model: 'openai/gpt-4o-mini', max_tokens: 100, tools: weather as Anthropic.Tool[],
      messages: [{ role: 'user', content: 'Find' }, call('toolu_01') as any, { role: 'user', content: [result('toolu_01', [search({ citations: { enabled: true } })]) as any] }],
    });
    expect(tool.type).toBe('message');
    expect(JSON.stringify(openai.last().body.messages)).toContain('The sky is blue.');
  });

  test('a context is shown to a translated target (it is a string)', async () => {
    await client.messages.create(ask('openai/gpt-4o-mini', [doc({ title: 'Sky', context: 'From a primer' })]));
    expect(JSON.stringify(openai.last().body.messages)).toContain('Context: From a primer');
  });
});
