/**
 * `reasoning_effort` takes OpenAI's words only (the openai SDK's ReasoningEffort): DeepSeek, Kimi
 * and Ollama targets used to be sent any word, which one refuses in its own terms and another
 * ignores. A word outside the enum is OpenAI's 400 naming the field, with one log row.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import type { FakeUpstream } from '../helpers/fake-upstream';
import { fakeProviders } from '../helpers/fake-providers';
import { apiError, startGateway, type TestGateway } from '../helpers/start-gateway';

const PROVIDERS = ['deepseek', 'moonshot', 'ollama'];
let fakes: Record<string, FakeUpstream>;
let gw: TestGateway;
let client: OpenAI;
beforeAll(async () => {
  let env: Record<string, string>;
  ({ fakes, env } = fakeProviders(PROVIDERS));
  gw = await startGateway({ env });
  client = gw.openai();
});
afterAll(async () => {
  await gw.close();
  for (const f of Object.values(fakes)) f.close();
});

const hi = [{ role: 'user' as const, content: 'Hello' }];
const MODELS: Record<string, string> = { deepseek: 'deepseek/deepseek-reasoner', moonshot: 'moonshot/kimi-k2-thinking', ollama: 'ollama/qwen3' };

for (const id of PROVIDERS) {
  test(`${id}: a word outside OpenAI's enum is a 400 naming reasoning_effort, not sent upstream`, async () => {
    const before = fakes[id]!.requests.length;
    for (const effort of ['extreme', 'HIGH', '']) {
      const err = await apiError(client.chat.completions.create({ model: MODELS[id]!, messages: hi, reasoning_effort: effort as any }));
      expect(err.status).toBe(400);
      expect(err.error).toMatchObject({ type: 'invalid_request_error', param: 'reasoning_effort' });
      expect((err.error as { message: string }).message).toContain("'xhigh'");
      expect(await gw.waitForRow(err)).toMatchObject({ status: 400, clientId: gw.clientId });
    }
    expect(fakes[id]!.requests.length).toBe(before);
  });

  test(`${id}: each word of the enum is passed through${id === 'ollama' ? ", as the nearest of Ollama's four" : ''}`, async () => {
    // Ollama's OpenAI endpoint refuses any word but these four (400 "invalid reasoning value: 'minimal' ...").
    const sent: Record<string, string> = id === 'ollama' ? { minimal: 'low', xhigh: 'high', max: 'high' } : {};
    // DeepSeek and Kimi have no effort `none`: it is thinking off, or (deepseek-reasoner, kimi-k2-thinking) a 400
    // (test/sdk/deepseek-thinking-switch.test.ts, test/sdk/kimi-thinking-switch.test.ts).
    const words = (['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const).filter((e) => id === 'ollama' || e !== 'none');
    for (const effort of words) {
      await client.chat.completions.create({ model: MODELS[id]!, messages: hi, reasoning_effort: effort });
      expect(fakes[id]!.last().body.reasoning_effort).toBe(sent[effort] ?? effort);
    }
  });
}
