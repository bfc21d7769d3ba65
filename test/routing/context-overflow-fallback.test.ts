/**
 * A prompt over a target's context window is that target's limit, not a fault of the request: a
 * group whose first target (DeepSeek, 128K) answers its "maximum context length" 400 goes on to a
 * target with a larger window (as for a parameter the target cannot take), and only when no target
 * takes it answers the first overflow, as OpenAI's `context_length_exceeded`. A model named directly
 * answers its own at once. Real gateway, the openai SDK, fake upstreams with the providers' wire
 * shapes; rows by request id.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { modelGroups } from '../../src/db/schema';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
let openai: FakeUpstream;
let deepseek: FakeUpstream;

/** DeepSeek's answer to a prompt over its window (OpenAI-compatible words, its own code). */
const deepseekOverflow = () =>
  jsonResponse(
    {
      error: {
        message: "This model's maximum context length is 131072 tokens. However, you requested 140012 tokens (140012 in the messages, 0 in the completion). Please reduce the length of the messages or completion.",
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_request_error',
      },
    },
    400,
  );
const openaiOk = (rec: { body: any }) => (rec.body.stream ? sseResponse(readChunks('openai', 'text.chunks.txt')) : jsonResponse(fixtureJson('openai', 'chat.json')));

beforeAll(async () => {
  openai = startFakeUpstream((_req, rec) => openaiOk(rec));
  deepseek = startFakeUpstream(() => deepseekOverflow());
  gw = await startGateway({ env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('deepseek', deepseek.url) } });
  // A long prompt earns the default rules' point (over 4000 characters): the heuristic takes the
  // group's last target, DeepSeek; gpt-4o is its fallback.
  gw.ctx.db.insert(modelGroups).values([{ name: 'small-then-large', strategy: 'heuristic', targets: ['gpt-4o', 'deepseek-chat'], updatedAt: Date.now() }]).run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  openai.close();
  deepseek.close();
});

const longDoc = [{ role: 'user' as const, content: 'Summarise this. ' + 'lorem ipsum '.repeat(2000) }];
const attemptsOf = (row: { attempts?: string | null }) => JSON.parse(row.attempts!).map((a: any) => [a.provider, a.model, a.status]);

test('a group whose first target is too small for the prompt goes on to one with a larger window (JSON and stream)', async () => {
  for (const stream of [false, true]) {
    const { data, response } = await gw.openai().chat.completions.create({ model: 'small-then-large', messages: longDoc, stream }).withResponse();
    if (stream) for await (const _ of data as AsyncIterable<unknown>);
    else expect((data as any).choices[0].message.content).toBeTruthy();
    expect(response.headers.get('x-gophergate-provider')).toBe('openai');
    expect(response.headers.get('x-gophergate-route')).toBe('small-then-large>gpt-4o');
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ status: 200, provider: 'openai' });
    expect(attemptsOf(row)).toEqual([['deepseek', 'deepseek-chat', 400], ['openai', 'gpt-4o', 200]]);
  }
  // The overflow is no failure of DeepSeek's: its circuit stays closed.
  expect(gw.ctx.breakers.allow('deepseek', 'deepseek-chat')).toBe(true);
});

test('no target takes the prompt: the first overflow, as OpenAI context_length_exceeded; one row', async () => {
  const before = openai.handler;
  openai.handler = () =>
    jsonResponse({ error: { message: 'Your input exceeds the context window of this model. Please adjust your input and try again.', type: 'invalid_request_error', param: 'input', code: 'context_length_exceeded' } }, 400);
  try {
    const err = await apiError(gw.openai().chat.completions.create({ model: 'small-then-large', messages: longDoc }));
    expect([err.status, err.code, err.type]).toEqual([400, 'context_length_exceeded', 'invalid_request_error']);
    expect(err.message).toContain('131072');
    const row = await gw.waitForRow(err);
    expect(row).toMatchObject({ status: 400 });
    expect(attemptsOf(row)).toEqual([['deepseek', 'deepseek-chat', 400], ['openai', 'gpt-4o', 400]]);
  } finally {
    openai.handler = before;
  }
});

test('the model named directly answers its overflow at once', async () => {
  const calls = openai.requests.length;
  const err = await apiError(gw.openai().chat.completions.create({ model: 'deepseek-chat', messages: longDoc }));
  expect([err.status, err.code]).toEqual([400, 'context_length_exceeded']);
  expect(await gw.waitForRow(err)).toMatchObject({ status: 400, provider: 'deepseek' });
  expect(openai.requests.length).toBe(calls);
});
