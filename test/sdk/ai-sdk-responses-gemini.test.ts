/**
 * The Vercel AI SDK's Responses model on a Gemini model (bridged through chat) asking for its
 * reasoning with `reasoningSummary`, as the README shows. Gemini sends its thoughts (thought
 * summaries) only when `thinkingConfig.includeThoughts` asks for them; the fake answers as Gemini
 * does, leaving out the thought parts when they were not asked for.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText } from 'ai';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';

const gemini = startFakeUpstream();
let gw: TestGateway;
useGateway((g) => void (gw = g), { env: providerEnv('gemini', gemini.url) });
afterAll(() => gemini.close());

const provider = () => createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey });
const idOf = (headers: Record<string, string | undefined> | undefined) => headers?.['x-request-id'] ?? 'no x-request-id';

/** Gemini's parts as it answers: the thought parts only when includeThoughts was asked for. */
const asGeminiAnswers = (rec: RecordedRequest, parts: any[]) =>
  rec.body.generationConfig?.thinkingConfig?.includeThoughts === true ? parts : parts.filter((p) => p.thought !== true);
/** A recorded Gemini answer (JSON for generateContent, SSE for streamGenerateContent), thoughts as Gemini decides. */
gemini.handler = (_req, rec) => {
  if (rec.path.endsWith(':streamGenerateContent')) {
    const chunks = readChunks('responses', 'gemini-thinking-text.chunks.txt').map((line) => JSON.parse(line));
    for (const c of chunks) c.candidates[0].content.parts = asGeminiAnswers(rec, c.candidates[0].content.parts);
    return sseResponse(chunks.map((c) => JSON.stringify(c)));
  }
  const json = fixtureJson('gemini', 'text.json');
  json.candidates[0].content.parts = asGeminiAnswers(rec, json.candidates[0].content.parts);
  return jsonResponse(json);
};

// The SDK sends `reasoning` only for models it knows reason; `forceReasoning` says this one does.
const summaryAsked = { openai: { reasoningSummary: 'auto', forceReasoning: true } };

describe('AI SDK Responses model on Gemini with reasoningSummary', () => {
  test("generateText, no effort: Gemini is asked for its thoughts (its own budget kept); reasoningText is Gemini's thought", async () => {
    const r = await generateText({ model: provider().responses('gemini/gemini-2.5-flash'), prompt: 'What is 2 + 2?', providerOptions: summaryAsked, maxRetries: 0 });
    expect(gemini.last().body.generationConfig).toEqual({ thinkingConfig: { includeThoughts: true } });
    expect(r.reasoningText).toBe('**Checking the sum**\n\n2 + 2 is basic arithmetic.');
    expect(r.text).toBe('2 + 2 = 4.');
    expect(r.usage).toMatchObject({ inputTokens: 1050, outputTokens: 107, outputTokenDetails: { reasoningTokens: 99 } });
    expect(await gw.waitForRow(idOf(r.response.headers))).toMatchObject({ endpoint: 'responses', provider: 'gemini', status: 200, promptTokens: 1050, completionTokens: 107, reasoningTokens: 99 });
  });

  test('streamText, no effort: the thought streams as reasoning before the text', async () => {
    const r = streamText({ model: provider().responses('gemini/gemini-2.5-flash'), prompt: 'Hi', providerOptions: summaryAsked, maxRetries: 0 });
    expect(await r.text).toBe('Hello there! Nice to meet you.');
    expect(await r.reasoningText).toBe('**Greeting back**\n\nA short friendly reply fits.');
    expect(gemini.last().body.generationConfig).toEqual({ thinkingConfig: { includeThoughts: true } });
  });

  test('with reasoningEffort: the effort sets the budget, thoughts asked for as before', async () => {
    const r = await generateText({
      model: provider().responses('gemini/gemini-2.5-flash'),
      prompt: 'What is 2 + 2?',
      providerOptions: { openai: { ...summaryAsked.openai, reasoningEffort: 'low' } },
      maxRetries: 0,
    });
    expect(gemini.last().body.generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } });
    expect(r.reasoningText).toBe('**Checking the sum**\n\n2 + 2 is basic arithmetic.');
  });

  test('no summary asked: no thinking settings sent, and no reasoning comes back', async () => {
    const r = await generateText({ model: provider().responses('gemini/gemini-2.5-flash'), prompt: 'What is 2 + 2?', maxRetries: 0 });
    expect(gemini.last().body.generationConfig).toBeUndefined();
    expect(r.reasoningText).toBeUndefined();
    expect(r.text).toBe('2 + 2 = 4.');
  });
});
