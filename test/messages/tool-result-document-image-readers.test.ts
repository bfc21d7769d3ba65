/**
 * xAI, Moonshot and Ollama read text and images, not documents nor audio. An agent's tool that
 * returns a PDF (Anthropic's `document` block in a tool_result) on a conversation routed to Grok
 * (the seeded heavy-logic group starts with grok-4.3): the document reaches Grok as a short text
 * placeholder, the image beside it as an image, so this turn and the later ones (which keep the
 * result) succeed; a document the user sends at the top level is the gateway's clear 400, nothing sent.
 */
import { expect, test } from 'bun:test';
import type Anthropic from '@anthropic-ai/sdk';
import { jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicClient, foldChatChunks, PNG_BASE64 } from './messages-helpers';

const TEXT = readChunks('grok', 'text.chunks.txt');

let grok: FakeUpstream;
let gw: TestGateway;

useGateway((g) => void (gw = g), {
  env: (() => {
    grok = startFakeUpstream((_r, rec) => (rec.body.stream ? sseResponse(TEXT) : jsonResponse(foldChatChunks(TEXT))));
    return providerEnv('grok', `${grok.url}/v1`);
  })(),
});

const readTool = { name: 'read_file', description: 'Reads a file', input_schema: { type: 'object' as const, properties: {} } };
const image = { type: 'image' as const, source: { type: 'base64' as const, media_type: 'image/png' as const, data: PNG_BASE64 } };
const pdf = { type: 'document' as const, source: { type: 'base64' as const, media_type: 'application/pdf' as const, data: 'JVBERi0xLjQK' } };

test('a tool result holding a document and an image: Grok gets a placeholder for the document and the image as sent', async () => {
  const from = grok.requests.length;
  const msg = await anthropicClient(gw).messages.create({
    model: 'grok-4.3', max_tokens: 500, tools: [readTool],
    messages: [
      { role: 'user', content: 'Read the report.' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'read_file', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: [{ type: 'text', text: 'Read.' }, pdf, image] }, { type: 'text', text: 'Summarise it.' }] },
    ],
  });
  expect(msg.content.some((b) => b.type === 'text')).toBe(true);
  const sent = grok.requests.slice(from).map((r) => r.body.messages as any[]);
  expect(sent).toHaveLength(1);
  const messages = sent[0]!;
  const tool = messages.find((m) => m.role === 'tool');
  expect(tool).toMatchObject({ tool_call_id: 'toolu_01', content: 'Read.' });
  expect(messages[messages.indexOf(tool) + 1]).toEqual({
    role: 'user',
    content: [
      { type: 'text', text: '[document omitted: grok-4.3 does not read documents]' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
      { type: 'text', text: 'Summarise it.' },
    ],
  });
});

test('a document the user sends at the top level: the clear 400 naming the block, nothing sent', async () => {
  const from = grok.requests.length;
  const err: any = await anthropicClient(gw).messages.create({
    model: 'grok-4.3', max_tokens: 100, messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, pdf] }],
  }).catch((e) => e);
  expect(err.status).toBe(400);
  expect(err.error?.error?.type).toBe('invalid_request_error');
  expect(err.error?.error?.message).toBe("Content of type 'document' (messages.0.content.1) is not supported by provider 'grok': its models read text and images only.");
  expect(grok.requests.length).toBe(from);
  // One log row for the refused request.
  const row = await gw.waitForRow(err.headers?.get?.('x-request-id') ?? err.requestID);
  expect(row.status).toBe(400);
});
