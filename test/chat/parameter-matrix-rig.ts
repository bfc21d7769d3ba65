/**
 * The parameter matrix's rig: OpenAI chat parameters x every provider's models, sent with the
 * official openai client through the real gateway to fake upstreams, streamed and not. Each cell
 * says what the provider must get (the parameter translated, passed on, or left out where that is
 * harmless and the README says so) or that the gateway refuses it with OpenAI's 400 naming it,
 * before any call, the same way streamed and not. The README's "Parameters by provider" table says
 * the same; the cells are in parameter-matrix-*.test.ts, by the kind of parameter.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type OpenAI from 'openai';
import { modelGroups } from '../../src/db/schema';
import { jsonResponse, replay, replayJson, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { fixtureJson as geminiJson, fixtureSse as geminiSse } from '../gemini/helpers';
import { anthropicJson, anthropicSse } from '../anthropic/fake-anthropic';

export type Provider = 'openai' | 'gemini' | 'deepseek' | 'moonshot' | 'grok' | 'ollama' | 'anthropic';
/** The models of the matrix: each provider's plain and reasoning models where their rules differ. */
const ROWS = {
  'gpt-4o-mini': 'openai',
  'o4-mini': 'openai',
  'gemini-2.5-flash': 'gemini',
  'deepseek-chat': 'deepseek',
  'deepseek-reasoner': 'deepseek',
  'kimi-k2-0905-preview': 'moonshot',
  'kimi-k2.6': 'moonshot',
  'grok-3-mini': 'grok',
  'grok-4': 'grok',
  'qwen3:8b': 'ollama',
  'claude-sonnet-4-5': 'anthropic',
} as const satisfies Record<string, Provider>;
export type Model = keyof typeof ROWS;
const MODELS = Object.keys(ROWS) as Model[];

/**
 * `sent`: checks the body the provider got; `refused`: the 400's param (code unsupported_parameter,
 * or `code`: each is one a group walks past); `invalid`: a 400 of request validation naming the param.
 */
export type Outcome = { sent: (body: any, model: Model) => void } | { refused: string; code?: string } | { invalid: string };
export interface Cell {
  name: string;
  params: Record<string, unknown>;
  messages?: unknown[];
  /** Per model; `default` for the rest. */
  expect: Partial<Record<Model | 'default', Outcome>>;
}

export const passed = (field: string) => ({ sent: (b: any, _m: Model) => expect(b).toHaveProperty([field]) }) as Outcome;
export const absent = (...fields: string[]) => ({ sent: (b: any) => fields.forEach((f) => expect(b).not.toHaveProperty([f])) }) as Outcome;
export const gen = (config: Record<string, unknown>) => ({ sent: (b: any) => expect(b.generationConfig).toMatchObject(config) }) as Outcome;
export const refused = (param: string, code?: string): Outcome => ({ refused: param, code });
export const invalid = (param: string): Outcome => ({ invalid: param });

/**
 * Starts the fakes and the gateway (with the groups a group's walk past a refusing target uses)
 * and declares the cells' tests: a describe per cell, a test per model, JSON and streamed.
 * `ready` gets the client once the gateway listens; the fakes are returned.
 */
export function useParameterMatrix(cells: Cell[], ready: (client: OpenAI) => void = () => {}): Record<Provider, FakeUpstream> {
  setDefaultTimeout(30_000);
  const fakes = {} as Record<Provider, FakeUpstream>;
  let gw: TestGateway;
  let client: OpenAI;
  beforeAll(async () => {
    const env: Record<string, string> = {};
    for (const p of new Set(Object.values(ROWS))) {
      fakes[p] = startFakeUpstream(reply[p]);
      // Gemini's and Anthropic's base URLs are the host root (the adapters add their paths).
      Object.assign(env, providerEnv(p, p === 'gemini' || p === 'anthropic' ? fakes[p].url : `${fakes[p].url}/v1`));
    }
    gw = await startGateway({ env });
    client = gw.openai();
    gw.ctx.db.insert(modelGroups).values([
      { name: 'matrix-ollama-first', strategy: 'heuristic', targets: ['ollama/qwen3:8b', 'openai/gpt-4o-mini'], logicLevel: null, primaryUse: 'matrix', settings: {}, updatedAt: Date.now() },
      { name: 'matrix-claude-first', strategy: 'heuristic', targets: ['anthropic/claude-sonnet-4-5', 'openai/gpt-4o-mini'], logicLevel: null, primaryUse: 'matrix', settings: {}, updatedAt: Date.now() },
      { name: 'matrix-reasoner-first', strategy: 'heuristic', targets: ['deepseek/deepseek-reasoner', 'openai/gpt-4o-mini'], logicLevel: null, primaryUse: 'matrix', settings: {}, updatedAt: Date.now() },
    ]).run();
    gw.ctx.state.reload();
    ready(client);
  });
  afterAll(async () => {
    await gw.close();
    for (const f of Object.values(fakes)) f.close();
  });

  async function send(model: Model, cell: Cell, stream: boolean): Promise<void> {
    const body = {
      model: `${ROWS[model]}/${model}`,
      messages: cell.messages ?? [{ role: 'user', content: 'Hello' }],
      ...cell.params,
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    } as any;
    const answer = await client.chat.completions.create(body);
    if (stream) for await (const _ of answer as any);
  }

  for (const cell of cells) {
    describe(cell.name, () => {
      for (const model of MODELS) {
        const outcome = cell.expect[model] ?? cell.expect.default!;
        for (const stream of [false, true]) {
          const mode = stream ? 'stream' : 'JSON';
          const fake = () => fakes[ROWS[model]];
          if ('sent' in outcome) {
            test(`${model} (${mode}): goes up as the provider takes it`, async () => {
              const before = fake().requests.length;
              await send(model, cell, stream);
              expect(fake().requests.length).toBe(before + 1);
              outcome.sent(fake().last().body, model);
            });
          } else {
            const param = 'refused' in outcome ? outcome.refused : outcome.invalid;
            test(`${model} (${mode}): 400 naming ${param}, before any call`, async () => {
              const before = fake().requests.length;
              const e = await apiError(send(model, cell, stream));
              expect(e.status).toBe(400);
              expect((e.error as any).param).toBe(param);
              if ('refused' in outcome) expect((e.error as any).code).toBe(outcome.code ?? 'unsupported_parameter');
              expect(e.message).not.toMatch(/stack|TypeError/);
              expect(fake().requests.length).toBe(before);
            });
          }
        }
      }
    });
  }
  return fakes;
}

const reply: Record<Provider, FakeHandler> = {
  openai: compatible('openai'),
  deepseek: compatible('deepseek'),
  moonshot: compatible('moonshot'),
  grok: compatible('grok'),
  ollama: compatible('ollama'),
  gemini: (req) =>
    new URL(req.url).pathname.includes('streamGenerateContent')
      ? new Response(geminiSse('text.chunks.txt'), { headers: { 'content-type': 'text/event-stream' } })
      : jsonResponse(geminiJson('text.json')),
  anthropic: (_req, rec) => (rec.body?.stream ? anthropicSse('text.sse') : jsonResponse(anthropicJson('text.json'))),
};
function compatible(id: string): FakeHandler {
  return (req, rec, fake) => (rec.body?.stream ? replay(id, 'text.chunks.txt') : replayJson(id, 'chat.json'))(req, rec, fake);
}
