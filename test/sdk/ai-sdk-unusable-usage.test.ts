/**
 * An OpenAI-compatible upstream (Ollama here) whose usage is absent or nonsense (a count sent as a
 * string, a negative one): the row bills the gateway's estimate, and what the AI SDK is told
 * must be usable and agree with it. Before, the nonsense went to the client as it came: the SDK
 * refused the whole answer ("Invalid JSON response"), and the bridged Responses stream reported
 * `total_tokens: "14-3"`.
 */
import { afterAll, expect, test } from 'bun:test';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText } from 'ai';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';

const ollama = startFakeUpstream();
let gw: TestGateway;
useGateway((g) => void (gw = g), { env: providerEnv('ollama', `${ollama.url}/v1`) });
afterAll(() => ollama.close());

const ids: string[] = [];
const recordingFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
  const res = await fetch(input, init);
  ids.push(res.headers.get('x-request-id') ?? '');
  return res;
}) as typeof fetch;
const provider = () => createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey, fetch: recordingFetch });
const MODEL = 'ollama/qwen3:8b';
const NONSENSE = { prompt_tokens: '14', completion_tokens: -3, total_tokens: 11 };

const answerWith = (usage: unknown) => {
  const json = fixtureJson('ollama', 'chat.json');
  if (usage === undefined) delete json.usage;
  else json.usage = usage;
  return jsonResponse(json);
};
/** The recorded stream, its usage chunk's counts made nonsense. */
const nonsenseStream = () =>
  sseResponse(readChunks('ollama', 'text.chunks.txt').map((l) => l.replace('"prompt_tokens":14', '"prompt_tokens":"14"').replace('"completion_tokens":21', '"completion_tokens":-3')));

/** What the SDK reports, in the row's terms. */
const asRow = (u: { inputTokens?: number; outputTokens?: number }) => ({ promptTokens: u.inputTokens, completionTokens: u.outputTokens });

for (const [name, usage] of [['nonsense usage', NONSENSE], ['no usage', undefined]] as const) {
  test(`chat generateText, ${name}: the answer is read, its usage is the estimate the row bills`, async () => {
    ollama.handler = () => answerWith(usage);
    const r = await generateText({ model: provider().chat(MODEL), prompt: 'Hello', maxRetries: 0 });
    expect(r.text).toBe('Hello! How can I help?');
    const row = await gw.waitForRow(ids.at(-1)!);
    expect(row).toMatchObject({ status: 200, estimated: true });
    expect(row.promptTokens).toBeGreaterThan(0);
    expect(asRow(r.usage)).toEqual({ promptTokens: row.promptTokens, completionTokens: row.completionTokens });
  });
}

test('chat streamText, nonsense usage: the stream ends cleanly with the whole text (its usage chunk is not passed on)', async () => {
  ollama.handler = nonsenseStream;
  const parts: string[] = [];
  const r = streamText({ model: provider().chat(MODEL), prompt: 'Hello', maxRetries: 0, onError: ({ error }) => void parts.push(`error: ${String(error)}`) });
  for await (const p of r.fullStream) parts.push(p.type);
  expect(parts).not.toContain('error');
  expect(parts.filter((p) => p.startsWith('error'))).toEqual([]);
  expect(await r.text).toBe('Hello! How can I help?');
  expect(await gw.waitForRow(ids.at(-1)!)).toMatchObject({ status: 200, estimated: true });
});

test('responses streamText (bridged), nonsense usage: response.completed carries the estimate the row bills', async () => {
  ollama.handler = nonsenseStream;
  const errors: unknown[] = [];
  const r = streamText({ model: provider().responses(MODEL), prompt: 'Hello', maxRetries: 0, onError: ({ error }) => void errors.push(error) });
  expect(await r.text).toBe('Hello! How can I help?');
  expect(errors).toEqual([]);
  const row = await gw.waitForRow(ids.at(-1)!);
  expect(row).toMatchObject({ status: 200, estimated: true });
  expect(asRow(await r.usage)).toEqual({ promptTokens: row.promptTokens, completionTokens: row.completionTokens });
});
