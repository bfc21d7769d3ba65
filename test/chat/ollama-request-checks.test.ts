/**
 * What Ollama's OpenAI endpoint refuses in a request with a bare 400 (openai/openai.go): a history
 * tool call whose arguments are not JSON (`""`), and an image not labelled jpeg/jpg/png/webp. The
 * fake checks the body as Ollama does and answers its error shape; the client is the openai SDK.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { PNG_BASE64 } from '../messages/messages-helpers';
import { modelGroups } from '../../src/db/schema';

/** A 1x1 GIF89a. */
const GIF_BASE64 = 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';
const OLLAMA_IMAGE = /^data:(image\/(jpeg|jpg|png|webp))?;base64,/;

/** Ollama's 400, as its middleware writes it (openai.NewError). */
const ollama400 = (message: string) => jsonResponse({ error: { message, type: 'invalid_request_error', param: null, code: null } }, 400);

/** Ollama's own checks of a chat request (FromChatRequest, decodeImageURL, FromCompletionToolCall), then its answer. */
function ollamaChat(_req: Request, rec: { body: any }): Response {
  for (const m of rec.body.messages ?? []) {
    for (const tc of m.tool_calls ?? []) {
      try {
        const args = JSON.parse(tc.function.arguments);
        if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new Error();
      } catch {
        return ollama400('invalid tool call arguments');
      }
    }
    for (const p of Array.isArray(m.content) ? m.content : []) {
      if (p.type === 'image_url' && !OLLAMA_IMAGE.test(p.image_url.url)) return ollama400('invalid image input');
    }
  }
  return jsonResponse(fixtureJson('ollama', 'chat.json'));
}

let fake: FakeUpstream;
let images: ReturnType<typeof Bun.serve>;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = startFakeUpstream(ollamaChat as any);
  images = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: (req) =>
      new URL(req.url).pathname === '/a.gif'
        ? new Response(Buffer.from(GIF_BASE64, 'base64'), { headers: { 'content-type': 'image/gif' } })
        : new Response(Buffer.from(PNG_BASE64, 'base64'), { headers: { 'content-type': 'image/x-png' } }),
  });
  gw = await startGateway({ env: { ...providerEnv('ollama', `${fake.url}/v1`), LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS: '127.0.0.1' } });
  client = gw.openai();
});
afterAll(async () => {
  await gw?.close();
  fake?.close();
  images?.stop(true);
});

const MODEL = 'ollama/qwen3:8b';
const look = (url: string) => [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'What is this?' }, { type: 'image_url' as const, image_url: { url } }] }];

test('a history tool call with arguments "" goes to Ollama as "{}" (it answered 400 "invalid tool call arguments")', async () => {
  const { data } = await client.chat.completions
    .create({
      model: MODEL,
      messages: [
        { role: 'user', content: 'What time is it?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'now', arguments: '' } }, { id: 'call_2', type: 'function', function: { name: 'zone', arguments: '{"city":"Oslo"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '12:00' },
        { role: 'tool', tool_call_id: 'call_2', content: 'CET' },
      ],
    })
    .withResponse();
  expect(data.choices[0]!.message.content).toBe('Hello! How can I help?');
  expect(fake.last().body.messages[1].tool_calls.map((tc: any) => tc.function.arguments)).toEqual(['{}', '{"city":"Oslo"}']);
});

for (const [what, url] of [
  ['a GIF data URI', `data:image/gif;base64,${GIF_BASE64}`],
  ['a GIF data URI labelled image/png', `data:image/png;base64,${GIF_BASE64}`],
  ['a remote GIF the gateway inlines', 'REMOTE_GIF'],
] as const) {
  test(`${what}: a clear 400 invalid_image_format naming what Ollama takes and the part, nothing sent (Ollama said only "invalid image input")`, async () => {
    const before = fake.requests.length;
    const src = url === 'REMOTE_GIF' ? `http://127.0.0.1:${images.port}/a.gif` : url;
    const err = await apiError(client.chat.completions.create({ model: MODEL, messages: look(src) }));
    expect(err.status).toBe(400);
    expect(err.code).toBe('invalid_image_format');
    expect(err.param).toBe('messages[0].content[1].image_url.url');
    expect(err.message).toContain("Ollama takes JPEG, PNG and WebP images only, not 'image/gif'");
    expect(fake.requests.length).toBe(before);
    const row = await gw.waitForRow(err.headers!.get('x-request-id')!);
    expect(row.status).toBe(400);
  });
}

test("an image in a format Ollama takes but labelled otherwise goes labelled by its bytes (a PNG called image/gif, an image server's image/x-png)", async () => {
  await client.chat.completions.create({ model: MODEL, messages: look(`data:image/gif;base64,${PNG_BASE64}`) });
  expect(fake.last().body.messages[0].content[1].image_url.url).toBe(`data:image/png;base64,${PNG_BASE64}`);
  await client.chat.completions.create({ model: MODEL, messages: look(`http://127.0.0.1:${images.port}/b.png`) });
  expect(fake.last().body.messages[0].content[1].image_url.url).toBe(`data:image/png;base64,${PNG_BASE64}`);
  // A well-labelled image goes as sent.
  await client.chat.completions.create({ model: MODEL, messages: look(`data:image/png;base64,${PNG_BASE64}`) });
  expect(fake.last().body.messages[0].content[1].image_url.url).toBe(`data:image/png;base64,${PNG_BASE64}`);
});

test('a group whose Ollama target cannot read a GIF goes on to its next target, which can (one row, the served model)', async () => {
  const openai = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
  const both = await startGateway({ env: { ...providerEnv('ollama', `${fake.url}/v1`), ...providerEnv('openai', openai.url) } });
  try {
    both.ctx.db.insert(modelGroups).values({ name: 'looks', strategy: 'heuristic', targets: [MODEL, 'gpt-4o-mini'], updatedAt: Date.now() }).run();
    both.ctx.state.reload();
    const before = fake.requests.length;
    const { data, response } = await both.openai().chat.completions.create({ model: 'looks', messages: look(`data:image/gif;base64,${GIF_BASE64}`) }).withResponse();
    expect(data.choices[0]!.message.content).toBeString();
    expect(fake.requests.length).toBe(before);
    expect(openai.last().body.messages[0].content[1].image_url.url).toBe(`data:image/gif;base64,${GIF_BASE64}`);
    const row = await both.waitForRow(response.headers.get('x-request-id')!);
    expect(row.status).toBe(200);
    expect(row.provider).toBe('openai');
  } finally {
    await both.close();
    openai.close();
  }
});
