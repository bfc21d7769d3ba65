/**
 * Images an OpenAI-API client labels wrongly reach Claude labelled by their bytes: OpenAI ignores a
 * data URI's type (a JPEG snapshot sent as image/png, `image/jpg`), Anthropic refuses a mismatch.
 */
import { noDocumentFetch } from '../gemini/helpers';
import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { inlineRemoteImages } from '../../src/providers/anthropic/native-messages';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { PNG_BASE64 } from '../messages/messages-helpers';
import { anthropicJson, imageTypeRefusal } from './fake-anthropic';

/** The start of a JPEG (SOI, APP0 JFIF), enough for Anthropic and the gateway to tell its format. */
const JPEG_BASE64 = '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDA==';

let fake: FakeUpstream;
let images: ReturnType<typeof Bun.serve>;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = startFakeUpstream((_req, rec) => imageTypeRefusal(rec.body) ?? Response.json(anthropicJson('text.json')));
  // An image server that calls its PNG a JPEG.
  images = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response(Buffer.from(PNG_BASE64, 'base64'), { headers: { 'content-type': 'image/jpeg' } }) });
  gw = await startGateway({
    env: { ANTHROPIC_API_KEY: 'sk-ant-image-type-0123456789', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: fake.url, LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS: '127.0.0.1' },
  });
  client = gw.openai();
});
afterAll(async () => {
  await gw?.close();
  fake?.close();
  images?.stop(true);
});

const image = (url: string) => ({ type: 'image_url' as const, image_url: { url } });

test('a JPEG labelled image/png, a PNG labelled image/jpg and a served PNG called image/jpeg go out as what their bytes are', async () => {
  const { data, response } = await client.chat.completions
    .create({
      model: 'anthropic/claude-sonnet-4-5',
      messages: [{ role: 'user', content: [image(`data:image/png;base64,${JPEG_BASE64}`), image(`data:image/jpg;base64,${PNG_BASE64}`), image(`http://127.0.0.1:${images.port}/cam.jpg`), { type: 'text', text: 'Who is at the door?' }] }],
    })
    .withResponse();
  expect(data.choices[0]!.message.content).toBe('2 + 2 = 4.');
  const sent = fake.last().body.messages[0].content.slice(0, 3).map((b: any) => [b.source.media_type, b.source.data]);
  expect(sent).toEqual([['image/jpeg', JPEG_BASE64], ['image/png', PNG_BASE64], ['image/png', PNG_BASE64]]);
  expect((await gw.waitForRow(response)).status).toBe(200);
});

test('data of no format Anthropic takes is still refused before the call, naming the part', async () => {
  const calls = fake.requests.length;
  const err = await client.chat.completions
    .create({ model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: [image('data:image/svg+xml;base64,PHN2Zz4=')] }] })
    .then(() => null, (e) => e);
  expect([err?.status, err?.error?.code, err?.error?.param]).toEqual([400, 'invalid_image_format', 'messages[0].content[0].image_url.url']);
  expect(fake.requests.length).toBe(calls);
});

test('/v1/messages: a URL image the gateway downloads is labelled by its bytes too, not by the server', async () => {
  const body = { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/cam.jpg' } }] }] };
  const out = (await inlineRemoteImages(body, { fetchImage: async () => ({ mimeType: 'image/jpeg', base64: PNG_BASE64 }), fetchDocument: noDocumentFetch })) as any;
  expect(out.messages[0].content[0].source).toEqual({ type: 'base64', media_type: 'image/png', data: PNG_BASE64 });
});
