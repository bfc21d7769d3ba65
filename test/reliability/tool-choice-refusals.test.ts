/**
 * A tool_choice that forces a tool the request does not give, or is of a type the API does not
 * know, is refused before any upstream call, in the API's own shape, on every target (a provider model, a translated one, a group of both; on /v1/responses xAI's own model too):
 * /v1/chat/completions and /v1/responses as OpenAI refuses them (param `tool_choice...`),
 * /v1/messages as Anthropic does. On /v1/responses an object of a type neither OpenAI's Responses API nor
 * another provider's (xAI's `x_search`) knows is refused with OpenAI's "Invalid value: ..." listing them. Each refusal leaves exactly one log row (by its x-request-id),
 * and the fakes record that nothing went upstream. The valid forms still reach the upstream as
 * they came. Real gateway over HTTP, the official `openai` and `@anthropic-ai/sdk` clients.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { modelGroups } from '../../src/db/schema';
import type { LogRow } from '../../src/logging/log-row';
import { fixtureText, jsonResponse, rawJsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicJson } from '../anthropic/fake-anthropic';
import { anthropicClient, weatherTool } from '../messages/messages-helpers';

const openaiFake = startFakeUpstream((_req, rec) =>
  rec.path.endsWith('/responses') ? rawJsonResponse(fixtureText('responses', 'openai-response.json')) : rawJsonResponse(fixtureText('openai', 'chat.json')),
);
const anthropicFake = startFakeUpstream(() => jsonResponse(anthropicJson('text.json')));
const xaiFake = startFakeUpstream(() => rawJsonResponse(fixtureText('grok', 'responses-web-search.json')));
let gw: TestGateway;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  gw = await startGateway({ env: { ...providerEnv('openai', `${openaiFake.url}/v1`), ...providerEnv('anthropic', anthropicFake.url), ...providerEnv('grok', `${xaiFake.url}/v1`) } });
  gw.ctx.db.insert(modelGroups).values({ name: 'tc-group', strategy: 'heuristic', targets: ['openai/gpt-4o-mini', 'claude-sonnet-4-5'], updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
  openai = gw.openai();
  anthropic = anthropicClient(gw);
});
afterAll(async () => {
  await gw.close();
  openaiFake.close();
  anthropicFake.close();
  xaiFake.close();
});
beforeEach(() => {
  gw.ctx.breakers.reset();
  openaiFake.requests.length = 0;
  anthropicFake.requests.length = 0;
  xaiFake.requests.length = 0;
});

/** A provider's own model, a model reached by translation, and a group of both. */
const MODELS = ['openai/gpt-4o-mini', 'claude-sonnet-4-5', 'tc-group'];
const sent = () => openaiFake.requests.length + anthropicFake.requests.length + xaiFake.requests.length;

/** The call fails with the SDK's 400 before anything went upstream, and leaves one 400 log row. */
async function refused<E extends { status?: number; requestID?: string | null }>(call: Promise<unknown>, kind: new (...a: any[]) => E, endpoint: LogRow['endpoint']): Promise<E> {
  let err: E | undefined;
  try {
    await call;
  } catch (e) {
    err = e as E;
  }
  expect(err).toBeInstanceOf(kind);
  expect(err!.status).toBe(400);
  expect(sent()).toBe(0);
  const id = (err as any).headers.get('x-request-id');
  const row = await gw.waitForRow(id);
  expect(row.status).toBe(400);
  expect(row.endpoint).toBe(endpoint);
  expect(sent()).toBe(0);
  return err!;
}

const fn = (name: string) => ({ type: 'function', function: { name, parameters: { type: 'object', properties: {} } } });
const custom = (name: string) => ({ type: 'custom', custom: { name } });
const allowed = (mode: string | undefined, tools: unknown[]) => ({ type: 'allowed_tools', allowed_tools: { mode, tools } });
const hi = [{ role: 'user' as const, content: 'hi' }];

describe('/v1/chat/completions', () => {
  const CASES: { name: string; body: Record<string, unknown>; param: string; says: RegExp }[] = [
    { name: "{type:'function'} without function", body: { tools: [fn('a')], tool_choice: { type: 'function' } }, param: 'tool_choice.function', says: /Missing required parameter: 'tool_choice.function'/ },
    { name: 'a function name that is not a string', body: { tools: [fn('a')], tool_choice: { type: 'function', function: { name: 5 } } }, param: 'tool_choice.function.name', says: /must be a string/ },
    { name: 'a function not in tools', body: { tools: [fn('a')], tool_choice: { type: 'function', function: { name: 'nope' } } }, param: 'tool_choice.function.name', says: /'nope' not found in 'tools'/ },
    { name: "'required' without tools", body: { tool_choice: 'required' }, param: 'tool_choice', says: /only allowed when 'tools' are specified/ },
    { name: "'required' with an empty tools list", body: { tools: [], tool_choice: 'required' }, param: 'tool_choice', says: /only allowed when 'tools' are specified/ },
    { name: 'a named function without tools', body: { tool_choice: { type: 'function', function: { name: 'a' } } }, param: 'tool_choice', says: /only allowed when 'tools' are specified/ },
    { name: 'a custom tool not in tools', body: { tools: [fn('a'), custom('g')], tool_choice: { type: 'custom', custom: { name: 'nope' } } }, param: 'tool_choice.custom.name', says: /Tool choice custom 'nope' not found in 'tools'/ },
    { name: 'a custom choice naming a function tool', body: { tools: [fn('a')], tool_choice: { type: 'custom', custom: { name: 'a' } } }, param: 'tool_choice.custom.name', says: /Tool choice custom 'a' not found/ },
    { name: '{type:\'custom\'} without custom', body: { tools: [custom('g')], tool_choice: { type: 'custom' } }, param: 'tool_choice.custom', says: /Missing required parameter: 'tool_choice.custom'/ },
    { name: 'a custom tool without tools', body: { tool_choice: { type: 'custom', custom: { name: 'g' } } }, param: 'tool_choice', says: /only allowed when 'tools' are specified/ },
    {
      name: 'allowed_tools naming a function not in tools',
      body: { tools: [fn('a')], tool_choice: allowed('auto', [{ type: 'function', function: { name: 'a' } }, { type: 'function', function: { name: 'nope' } }]) },
      param: 'tool_choice.allowed_tools.tools[1].function.name',
      says: /Tool choice function 'nope' not found in 'tools'/,
    },
    {
      name: 'allowed_tools naming a custom tool not in tools',
      body: { tools: [fn('a'), custom('g')], tool_choice: allowed('required', [{ type: 'custom', custom: { name: 'nope' } }]) },
      param: 'tool_choice.allowed_tools.tools[0].custom.name',
      says: /Tool choice custom 'nope' not found in 'tools'/,
    },
    { name: 'allowed_tools without tools', body: { tool_choice: allowed('required', [{ type: 'function', function: { name: 'a' } }]) }, param: 'tool_choice', says: /only allowed when 'tools' are specified/ },
    { name: "allowed_tools in mode 'any'", body: { tools: [fn('a')], tool_choice: allowed('any', [{ type: 'function', function: { name: 'a' } }]) }, param: 'tool_choice.allowed_tools.mode', says: /Invalid value: 'any'\. Supported values are: 'auto' and 'required'\./ },
    { name: 'allowed_tools without a mode', body: { tools: [fn('a')], tool_choice: allowed(undefined, [{ type: 'function', function: { name: 'a' } }]) }, param: 'tool_choice.allowed_tools.mode', says: /Supported values are: 'auto' and 'required'/ },
    { name: "{type:'allowed_tools'} without allowed_tools", body: { tools: [fn('a')], tool_choice: { type: 'allowed_tools' } }, param: 'tool_choice.allowed_tools', says: /Missing required parameter: 'tool_choice.allowed_tools'/ },
    {
      name: 'an unknown type (Anthropic\'s spelling)',
      body: { tools: [fn('a')], tool_choice: { type: 'tool', name: 'a' } },
      param: 'tool_choice.type',
      says: /Invalid value: 'tool'\. Supported values are: 'function', 'allowed_tools', and 'custom'\./,
    },
    { name: 'an object without a type', body: { tools: [fn('a')], tool_choice: { function: { name: 'a' } } }, param: 'tool_choice.type', says: /Missing required parameter: 'tool_choice.type'/ },
  ];
  for (const model of MODELS) {
    for (const c of CASES) {
      test(`${model}: ${c.name} is OpenAI's 400, sent nowhere`, async () => {
        const err = await refused(openai.chat.completions.create({ model, messages: hi, ...c.body } as any), OpenAI.APIError, 'chat');
        expect(err.error).toMatchObject({ type: 'invalid_request_error', param: c.param });
        expect(err.message).toMatch(c.says);
      });
    }
  }

  const VALID: [string, Record<string, unknown>][] = [
    ["'none' without tools", { tool_choice: 'none' }],
    ["'auto' with tools", { tools: [fn('a')], tool_choice: 'auto' }],
    ["'required' with tools", { tools: [fn('a')], tool_choice: 'required' }],
    ['a named function in tools', { tools: [fn('a'), fn('b')], tool_choice: { type: 'function', function: { name: 'b' } } }],
    ['allowed_tools', { tools: [fn('a'), fn('b')], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'a' } }] } } }],
    ['a custom tool', { tools: [{ type: 'custom', custom: { name: 'grammar' } }], tool_choice: { type: 'custom', custom: { name: 'grammar' } } }],
    ['allowed_tools listing a custom tool and a function', { tools: [fn('a'), custom('g')], tool_choice: allowed('auto', [{ type: 'custom', custom: { name: 'g' } }, { type: 'function', function: { name: 'a' } }]) }],
  ];
  for (const [name, body] of VALID) {
    test(`${name} still reaches OpenAI untouched`, async () => {
      await openai.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: hi, ...body } as any);
      expect(openaiFake.requests).toHaveLength(1);
      expect(openaiFake.last().body.tool_choice).toEqual(body.tool_choice);
    });
  }
});

describe('/v1/messages', () => {
  const CASES: { name: string; body: Record<string, unknown>; says: RegExp }[] = [
    { name: "{type:'tool'} naming no tool in tools", body: { tools: [weatherTool], tool_choice: { type: 'tool', name: 'nope' } }, says: /tool_choice\.name: Tool 'nope' not found in provided tools/ },
    { name: "{type:'any'} without tools", body: { tool_choice: { type: 'any' } }, says: /tool_choice may only be specified while providing tools/ },
    { name: "{type:'tool'} without tools", body: { tool_choice: { type: 'tool', name: 'get_weather' } }, says: /tool_choice may only be specified while providing tools/ },
    { name: "{type:'any'} with an empty tools list", body: { tools: [], tool_choice: { type: 'any' } }, says: /tool_choice may only be specified while providing tools/ },
    { name: "{type:'tool'} without a name", body: { tools: [weatherTool], tool_choice: { type: 'tool' } }, says: /tool_choice\.name: Field required/ },
    { name: "OpenAI's {type:'required'}", body: { tools: [weatherTool], tool_choice: { type: 'required' } }, says: /^tool_choice: Input tag 'required' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'$/ },
    { name: "OpenAI's {type:'function'}", body: { tools: [weatherTool], tool_choice: { type: 'function', function: { name: 'get_weather' } } }, says: /^tool_choice: Input tag 'function' found using 'type' does not match/ },
    { name: 'a choice without a type', body: { tools: [weatherTool], tool_choice: { name: 'get_weather' } }, says: /^tool_choice: Unable to extract tag using discriminator 'type'$/ },
    { name: 'a string choice', body: { tools: [weatherTool], tool_choice: 'auto' }, says: /^tool_choice: Input should be an object$/ },
  ];
  for (const model of MODELS) {
    for (const c of CASES) {
      test(`${model}: ${c.name} is Anthropic's 400, sent nowhere`, async () => {
        const err = await refused(anthropic.messages.create({ model, max_tokens: 50, messages: hi, ...c.body } as any), Anthropic.APIError, 'messages');
        expect(err.error).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(c.says), details: { error_code: 'invalid_request' } } });
        expect(err.errorCode).toBe('invalid_request');
      });
    }
  }

  test('count_tokens refuses it too, before Anthropic counts', async () => {
    await refused(
      anthropic.messages.countTokens({ model: 'claude-sonnet-4-5', messages: hi, tools: [weatherTool], tool_choice: { type: 'tool', name: 'nope' } }),
      Anthropic.APIError,
      'count_tokens',
    );
  });

  const VALID: [string, Record<string, unknown>][] = [
    ['a named tool in tools', { tools: [weatherTool], tool_choice: { type: 'tool', name: 'get_weather' } }],
    ["{type:'any'} with tools", { tools: [weatherTool], tool_choice: { type: 'any' } }],
    ["{type:'auto'} without tools", { tool_choice: { type: 'auto' } }],
    ["{type:'none'} with tools", { tools: [weatherTool], tool_choice: { type: 'none' } }],
  ];
  for (const [name, body] of VALID) {
    test(`${name} still reaches Anthropic untouched`, async () => {
      await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: hi, ...body } as any);
      expect(anthropicFake.requests).toHaveLength(1);
      expect(anthropicFake.last().body.tool_choice).toEqual(body.tool_choice);
    });
  }
});

describe('/v1/responses', () => {
  /** xAI's own model: its Responses API takes the request as OpenAI's does. */
  const XAI_MODEL = 'grok/grok-4-fast-non-reasoning';
  const rfn = (name: string) => ({ type: 'function', name, parameters: { type: 'object', properties: {} } });
  const CASES: { name: string; body: Record<string, unknown>; param: string; says: RegExp }[] = [
    { name: 'a function not in tools', body: { tools: [rfn('a')], tool_choice: { type: 'function', name: 'nope' } }, param: 'tool_choice', says: /Tool choice 'nope' not found in 'tools' parameter/ },
    { name: 'a function when only a built-in tool is given', body: { tools: [{ type: 'web_search' }], tool_choice: { type: 'function', name: 'a' } }, param: 'tool_choice', says: /Tool choice 'a' not found/ },
    { name: "'required' without tools", body: { tool_choice: 'required' }, param: 'tool_choice', says: /only allowed when 'tools' are specified/ },
    { name: "{type:'function'} without a name", body: { tools: [rfn('a')], tool_choice: { type: 'function' } }, param: 'tool_choice.name', says: /Missing required parameter: 'tool_choice.name'/ },
    {
      name: "an unknown type (Anthropic's spelling)",
      body: { tools: [rfn('a')], tool_choice: { type: 'tool', name: 'a' } },
      param: 'tool_choice.type',
      says: /^400 Invalid value: 'tool'\. Supported values are: 'function', 'custom', 'allowed_tools', 'mcp', 'file_search', 'web_search_preview', .*'image_generation', 'code_interpreter', .*'x_search', and 'code_execution'\.$/,
    },
    { name: "a built-in tool type nobody runs ('google_search')", body: { tools: [{ type: 'web_search' }], tool_choice: { type: 'google_search' } }, param: 'tool_choice.type', says: /Invalid value: 'google_search'\. Supported values are: 'function'/ },
    { name: 'a type that is not a string', body: { tools: [rfn('a')], tool_choice: { type: 5 } }, param: 'tool_choice.type', says: /Invalid value: '5'\. Supported values are/ },
    { name: 'an object without a type', body: { tools: [rfn('a')], tool_choice: { name: 'a' } }, param: 'tool_choice.type', says: /Missing required parameter: 'tool_choice.type'/ },
    { name: "chat's shape without a type", body: { tools: [rfn('a')], tool_choice: { function: { name: 'a' } } }, param: 'tool_choice.type', says: /Missing required parameter: 'tool_choice.type'/ },
    { name: "an unknown word ('any')", body: { tools: [rfn('a')], tool_choice: 'any' }, param: 'tool_choice', says: /Invalid value for 'tool_choice': must be one of 'none', 'auto', 'required'/ },
    { name: 'an array', body: { tools: [rfn('a')], tool_choice: [{ type: 'function', name: 'a' }] }, param: 'tool_choice', says: /must be 'none', 'auto', 'required' or an object with a 'type'/ },
    { name: 'allowed_tools without a mode', body: { tools: [rfn('a')], tool_choice: { type: 'allowed_tools', tools: [{ type: 'function', name: 'a' }] } }, param: 'tool_choice.mode', says: /Missing required parameter: 'tool_choice.mode'/ },
    { name: "allowed_tools in mode 'any'", body: { tools: [rfn('a')], tool_choice: { type: 'allowed_tools', mode: 'any', tools: [{ type: 'function', name: 'a' }] } }, param: 'tool_choice.mode', says: /Invalid value: 'any'\. Supported values are: 'auto' and 'required'/ },
    { name: 'allowed_tools without tools', body: { tools: [rfn('a')], tool_choice: { type: 'allowed_tools', mode: 'auto' } }, param: 'tool_choice.tools', says: /Missing required parameter: 'tool_choice.tools'/ },
    { name: 'allowed_tools whose tools is an object', body: { tools: [rfn('a')], tool_choice: { type: 'allowed_tools', mode: 'auto', tools: { type: 'function', name: 'a' } } }, param: 'tool_choice.tools', says: /Invalid type for 'tool_choice.tools': expected an array/ },
    { name: 'allowed_tools listing a string', body: { tools: [rfn('a')], tool_choice: { type: 'allowed_tools', mode: 'auto', tools: ['a'] } }, param: 'tool_choice.tools[0]', says: /'tool_choice.tools\[0\]': must be a tool object/ },
    { name: 'allowed_tools listing a function without a name', body: { tools: [rfn('a')], tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function' }] } }, param: 'tool_choice.tools[0].name', says: /Missing required parameter: 'tool_choice.tools\[0\].name'/ },
    { name: 'allowed_tools listing a function not in tools', body: { tools: [rfn('a')], tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'a' }, { type: 'function', name: 'nope' }] } }, param: 'tool_choice.tools[1]', says: /Tool choice 'nope' not found in 'tools' parameter/ },
  ];
  for (const model of [...MODELS, XAI_MODEL]) {
    for (const c of CASES) {
      test(`${model}: ${c.name} is OpenAI's 400, sent nowhere`, async () => {
        const err = await refused(openai.responses.create({ model, input: 'hi', ...c.body } as any), OpenAI.APIError, 'responses');
        expect(err.error).toMatchObject({ type: 'invalid_request_error', param: c.param });
        expect(err.message).toMatch(c.says);
      });
    }
  }

  const VALID: [string, Record<string, unknown>][] = [
    ["'none' without tools", { tool_choice: 'none' }],
    ['a named function in tools', { tools: [rfn('a')], tool_choice: { type: 'function', name: 'a' } }],
    ["'required' with a built-in tool only", { tools: [{ type: 'web_search' }], tool_choice: 'required' }],
    ['a built-in tool choice', { tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search' } }],
    ['allowed_tools', { tools: [rfn('a'), rfn('b')], tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'a' }] } }],
    ['allowed_tools with a built-in tool', { tools: [rfn('a'), { type: 'web_search' }], tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'web_search' }, { type: 'function', name: 'a' }] } }],
    ['a custom tool', { tools: [{ type: 'custom', name: 'grammar' }], tool_choice: { type: 'custom', name: 'grammar' } }],
    ['an mcp tool choice', { tools: [{ type: 'mcp', server_label: 'docs', server_url: 'https://example.com/mcp' }], tool_choice: { type: 'mcp', server_label: 'docs' } }],
    ['an image_generation choice', { tools: [{ type: 'image_generation' }], tool_choice: { type: 'image_generation' } }],
    ['a dated web_search_preview choice', { tools: [{ type: 'web_search_preview' }], tool_choice: { type: 'web_search_preview_2025_03_11' } }],
  ];
  for (const [name, body] of VALID) {
    test(`${name} still reaches OpenAI untouched`, async () => {
      await openai.responses.create({ model: 'openai/gpt-4o-mini', input: 'hi', ...body } as any);
      expect(openaiFake.requests).toHaveLength(1);
      expect(openaiFake.last().body.tool_choice).toEqual(body.tool_choice);
    });
  }

  test("xAI's x_search forced on a Grok model still reaches xAI untouched", async () => {
    const tool_choice = { type: 'x_search' };
    await openai.responses.create({ model: XAI_MODEL, input: 'hi', tools: [{ type: 'x_search' }], tool_choice } as any);
    expect(xaiFake.requests).toHaveLength(1);
    expect(xaiFake.last().body.tool_choice).toEqual(tool_choice);
  });
});
