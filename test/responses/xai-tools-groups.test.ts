/**
 * Built-in tools, groups and budgets with xAI on /v1/responses:
 * - a group falls back from xAI to another provider (through the bridge);
 * - a built-in tool xAI does not run, and xAI's tools on a bridged provider or OpenAI, are the 400 `unsupported_tool`;
 *   a group of OpenAI and xAI goes to the target that runs the request's tools;
 * - `background: true` (unsupported by xAI) on a Grok model is a 400 before any call; a group skips its Grok targets;
 * - a budgeted key reserves the tool calls a request may make (max_tool_calls, else DEFAULT_WEB_SEARCHES).
 */
import { describe, expect, test } from 'bun:test';
import { XAI_TOOL_CALL_USD } from '../../src/usage/grok-usage';
import { fixtureJson, jsonResponse } from '../helpers/fake-upstream';
import { apiError, type TestGateway } from '../helpers/start-gateway';
import { DEFAULT_WEB_SEARCHES, SEARCH_CONTENT_TOKENS } from '../../src/limits/worst-case';
import { limitedClient } from '../limits/limits-helpers';
import { ID, REPORTED, useXaiRig } from './xai-rig';

let gw: TestGateway;
const { xai, deepseek, openai, answer } = useXaiRig((g) => (gw = g));

describe('groups and tools', () => {
  test('a group falls back from xAI (503) to DeepSeek through the bridge; one row with both tries', async () => {
    answer.create = () => jsonResponse({ error: { message: 'overloaded', type: 'server_error' } }, 503);
    const { data, response } = await gw.openai().responses.create({ model: 'xai-then-deepseek', input: 'Hi' }).withResponse();
    expect(data.output_text.length).toBeGreaterThan(0);
    expect(response.headers.get('x-gophergate-provider')).toBe('deepseek');
    expect(xai.requests.length).toBe(1);
    expect(deepseek.requests.length).toBe(1);
    const row = await gw.waitForRow(response);
    expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['grok', 502], ['deepseek', 200]]);
  });

  test("with x_search the group goes only to xAI (its heuristic put DeepSeek first, for tools): xAI answers; when xAI fails, its failure stands", async () => {
    const ask = () => gw.openai().responses.create({ model: 'xai-then-deepseek', input: 'Hi', tools: [{ type: 'x_search' } as any] });
    const { response } = await ask().withResponse();
    expect(response.headers.get('x-gophergate-provider')).toBe('grok');
    expect((await gw.waitForRow(response)).provider).toBe('grok');
    expect(deepseek.requests.length).toBe(0);
    answer.create = () => jsonResponse({ error: { message: 'overloaded', type: 'server_error' } }, 503);
    const err = await apiError(ask());
    expect(err.status).toBe(502);
    expect(deepseek.requests.length).toBe(0);
  });

  test('a built-in tool xAI does not run is the 400 unsupported_tool before any call; a bridged provider still refuses web_search', async () => {
    const image = await apiError(gw.openai().responses.create({ model: 'grok-fast', input: 'Draw', tools: [{ type: 'image_generation' }] }));
    expect([image.status, image.code, image.param]).toEqual([400, 'unsupported_tool', 'tools[0]']);
    const search = await apiError(gw.openai().responses.create({ model: 'deepseek-chat', input: 'Hi', tools: [{ type: 'web_search' }] }));
    expect([search.status, search.code, search.param]).toEqual([400, 'unsupported_tool', 'tools[0]']);
    expect(xai.requests.length + deepseek.requests.length).toBe(0);
  });
});

describe('a group of OpenAI and xAI: each target runs only its own built-in tools', () => {
  test("x_search skips OpenAI (which would answer 400): xAI answers, one row", async () => {
    const { data, response } = await gw.openai().responses
      .create({ model: 'openai-then-xai', input: 'What is trending on X?', tools: [{ type: 'x_search' } as any] })
      .withResponse();
    expect(data.id).toBe(`resp_${ID}`);
    expect(response.headers.get('x-gophergate-provider')).toBe('grok');
    expect([openai.requests.length, xai.requests.length]).toEqual([0, 1]);
    const row = await gw.waitForRow(response);
    expect([row.provider, row.status, row.error]).toEqual(['grok', 200, null]);
  });

  test('a tool both run (web_search) stays with the group\'s first target, OpenAI', async () => {
    const { response } = await gw.openai().responses.create({ model: 'openai-then-xai', input: 'Hi', tools: [{ type: 'web_search' }] }).withResponse();
    expect(response.headers.get('x-gophergate-provider')).toBe('openai');
    expect([openai.requests.length, xai.requests.length]).toEqual([1, 0]);
    expect(openai.last().body.tools).toEqual([{ type: 'web_search' }]);
    expect((await gw.waitForRow(response)).provider).toBe('openai');
  });

  test('x_search to an OpenAI model, or a tool no target of the group runs: the 400 unsupported_tool before any call, one row', async () => {
    const alone = await apiError(gw.openai().responses.create({ model: 'gpt-5-mini', input: 'Hi', tools: [{ type: 'function', name: 'f', parameters: {}, strict: false }, { type: 'x_search' } as any] }));
    expect([alone.status, alone.code, alone.param, alone.type]).toEqual([400, 'unsupported_tool', 'tools[1]', 'invalid_request_error']);
    expect(alone.message).toContain("'x_search' is not supported by provider 'openai'");
    const none = await apiError(gw.openai().responses.create({ model: 'openai-then-xai', input: 'Hi', tools: [{ type: 'x_search' } as any, { type: 'image_generation' }] }));
    // OpenAI cannot run x_search, xAI cannot run image_generation: the first target's refusal.
    expect([none.status, none.code, none.param]).toEqual([400, 'unsupported_tool', 'tools[0]']);
    expect(openai.requests.length + xai.requests.length).toBe(0);
    for (const err of [alone, none]) expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'responses', status: 400, errorType: 'unsupported_tool' });
  });
});

describe("a tool type no provider's list names (one OpenAI added later)", () => {
  test('goes up to OpenAI as sent, which judges it (its own 400 here); xAI still refuses it before any call', async () => {
    const sent = openai.requests.length;
    const err = await apiError(gw.openai().responses.create({ model: 'gpt-5-mini', input: 'Hi', tools: [{ type: 'holodeck_2027' } as any] }));
    expect(openai.requests.length - sent).toBe(1);
    expect(openai.last().body.tools).toEqual([{ type: 'holodeck_2027' }]);
    // OpenAI's own refusal, relayed (the fake answers as OpenAI does for a type it does not have).
    expect([err.status, err.code, err.param]).toEqual([400, 'invalid_value', 'tools[0].type']);
    const xaiSent = xai.requests.length;
    const grok = await apiError(gw.openai().responses.create({ model: 'grok-fast', input: 'Hi', tools: [{ type: 'holodeck_2027' } as any] }));
    expect([grok.status, grok.code, grok.param]).toEqual([400, 'unsupported_tool', 'tools[0]']);
    expect(xai.requests.length).toBe(xaiSent);
    for (const e of [err, grok]) expect(await gw.waitForRow(e)).toMatchObject({ endpoint: 'responses', status: 400 });
  });
});

describe('background: true (xAI documents background mode as unsupported on its Responses API)', () => {
  test('to a Grok model: a 400 in OpenAI\'s shape naming `background` before any call, streamed or not; one row each', async () => {
    for (const stream of [false, true]) {
      const err = await apiError(gw.openai().responses.create({ model: 'grok-fast', input: 'Write a long story', background: true, stream } as any));
      expect([err.status, err.type, err.code, err.param]).toEqual([400, 'invalid_request_error', 'unsupported_parameter', 'background']);
      expect(err.message).toContain("Background mode is not supported by provider 'grok'");
      expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'responses', status: 400, errorType: 'unsupported_parameter', stream });
    }
    expect(xai.requests.length).toBe(0);
    // background: false is no background: passed through.
    const { response } = await gw.openai().responses.create({ model: 'grok-fast', input: 'Hi', background: false }).withResponse();
    expect(response.headers.get('x-gophergate-provider')).toBe('grok');
    expect(xai.last().body.background).toBe(false);
  });

  test('a group skips its Grok targets: to OpenAI natively, or to DeepSeek through the bridge (which runs it itself, queued)', async () => {
    const { data, response } = await gw.openai().responses.create({ model: 'xai-then-openai', input: 'Hi', background: true }).withResponse();
    expect(response.headers.get('x-gophergate-provider')).toBe('openai');
    expect(openai.last().body).toMatchObject({ model: 'gpt-5-mini', background: true });
    expect(data.id).toBe(fixtureJson('responses', 'openai-response.json').id);
    expect((await gw.waitForRow(response)).provider).toBe('openai');

    const bridged = await gw.openai().responses.create({ model: 'xai-then-deepseek', input: 'Hi', background: true }).withResponse();
    expect(bridged.data).toMatchObject({ status: 'queued', background: true });
    expect(bridged.response.headers.get('x-gophergate-provider')).toBe('deepseek');
    expect(await gw.waitForRow(bridged.response)).toMatchObject({ provider: 'deepseek', status: 200 });
    expect(xai.requests.length).toBe(0);
  });
});

test('a budget that fits the tokens but not the searches refuses the request; max_tool_calls lowers the reservation; the spend is xAI\'s figure', async () => {
  const perSearch = XAI_TOOL_CALL_USD.web_search! + (SEARCH_CONTENT_TOKENS * 0.2) / 1e6;
  const c = await limitedClient(gw, 'xai-search-budget', { budgetUsd: 5.5 * perSearch, budgetPeriod: 'day' });
  const ask = (extra: Record<string, unknown>) =>
    gw.openai(c.key).responses.create({ model: 'grok-fast', input: 'Title of x.ai?', tools: [{ type: 'web_search' }], max_output_tokens: 200, ...extra } as any);
  expect(DEFAULT_WEB_SEARCHES).toBeGreaterThan(5);
  const err = await apiError(ask({}));
  expect([err.status, err.code]).toEqual([429, 'budget_exceeded']);
  expect(xai.requests.length).toBe(0);
  const { response } = await (ask({ max_tool_calls: 2 }) as any).withResponse();
  expect((await gw.waitForRow(response)).costUsd).toBe(REPORTED);
});

test("a tool type named like an Object property ('constructor') reserves a finite cost: the key's budget still holds afterwards", async () => {
  const c = await limitedClient(gw, 'xai-proto-tool', { budgetUsd: 0.01, budgetPeriod: 'day' });
  // Admitted (its tokens fit the budget), then refused before any call: xAI runs no such tool.
  const odd = await apiError(gw.openai(c.key).responses.create({ model: 'grok-fast', input: 'Hi', tools: [{ type: 'constructor' }], max_output_tokens: 10 } as any));
  expect([odd.status, odd.code]).toEqual([400, 'unsupported_tool']);
  // Its reservation was a number and is released: a request whose searches exceed the budget is still refused.
  const err = await apiError(gw.openai(c.key).responses.create({ model: 'grok-fast', input: 'Title of x.ai?', tools: [{ type: 'web_search' }], max_output_tokens: 200 } as any));
  expect([err.status, err.code]).toEqual([429, 'budget_exceeded']);
  expect(xai.requests.length).toBe(0);
});
