/**
 * What a model that always thinks (deepseek-reasoner, kimi-k2-thinking) does with a forced tool
 * call, which its provider's thinking mode refuses: a 400 before any call, and a group that has it
 * first walks on to its next target (gpt-4o-mini here). Shared by the DeepSeek and Kimi tests.
 */
import { expect } from 'bun:test';
import { okCompletion, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, type TestGateway } from '../helpers/start-gateway';
import { weatherTool } from './langchain-helpers';

const weather = [{ role: 'user' as const, content: 'Weather in Paris?' }];

/** `model` on `upstream` refuses tool_choice 'required' before the call; `group` (it, then OpenAI's gpt-4o-mini) answers a named one from OpenAI. */
export async function expectForcedToolRefusedThenFallback(gw: TestGateway, upstream: FakeUpstream, openai: FakeUpstream, model: string, group: string): Promise<void> {
  const provider = model.split('/')[0];
  const before = upstream.requests.length;
  const err = await apiError(gw.openai().chat.completions.create({ model, messages: weather, tools: [weatherTool], tool_choice: 'required' }));
  expect(err.status).toBe(400);
  expect(err.error).toMatchObject({ code: 'unsupported_parameter', param: 'tool_choice' });
  expect(err.message).toContain("tool_choice 'auto' or 'none' only");
  expect(upstream.requests.length).toBe(before);
  expect(await gw.waitForRow(err.headers!.get('x-request-id')!)).toMatchObject({ status: 400, provider });

  openai.handler = () => okCompletion('gpt-4o-mini');
  const { data, response } = await gw
    .openai()
    .chat.completions.create({ model: group, messages: weather, tools: [weatherTool], tool_choice: { type: 'function', function: { name: 'get_weather' } } })
    .withResponse();
  expect(data.model).toContain('gpt-4o-mini');
  expect(upstream.requests.length).toBe(before);
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, provider: 'openai' });
}
