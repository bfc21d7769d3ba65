/** GET /v1/models: enabled models of enabled providers plus groups, in OpenAI's list format. */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { eq } from 'drizzle-orm';
import { modelGroups, models } from '../../src/db/schema';
import { replayJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let fake: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  fake = startFakeUpstream();
  gw = await startGateway({
    env: {
      ...providerEnv('openai', `${fake.url}/v1`),
      LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true',
      // Providers without a key stay off: their models must not be listed.
      LLM_PROXY__PROVIDERS__OLLAMA__ENABLED: 'false',
      LLM_PROXY__PROVIDERS__OPENAI__MODELS: 'my-finetune',
    },
  });
});
afterAll(async () => {
  await gw.close();
  fake.close();
});

test('the openai client lists models of enabled providers only, then groups', async () => {
  const list: any[] = [];
  for await (const m of gw.openai().models.list()) list.push(m);
  const ids = list.map((m) => m.id);
  const snap = gw.ctx.state.getSnapshot();
  expect(ids).toContain('gpt-4o-mini');
  expect(ids).toContain('my-finetune'); // from LLM_PROXY__PROVIDERS__OPENAI__MODELS
  expect(ids).toContain('mock/echo');
  for (const m of list.filter((x) => !x.group && x.id !== 'mock/echo')) {
    expect(snap.models.get(m.id)!.provider).toBe('openai');
    expect(m).toMatchObject({ object: 'model', owned_by: 'openai' });
    expect(Number.isInteger(m.created)).toBe(true);
  }
  // Groups follow, those with a target that can answer here (a listed model, or such a group).
  const listedModels = new Set(list.filter((m) => !m.group).map((m) => m.id));
  const reachable = (name: string, seen = new Set<string>()): boolean =>
    listedModels.has(name) || (!seen.has(name) && (snap.groups.get(name)?.targets.some((t) => reachable(t, new Set([...seen, name]))) ?? false));
  const groups = list.filter((m) => m.group);
  expect(groups.map((g) => g.id)).toEqual([...snap.groups.keys()].filter((g) => reachable(g)).sort());
  expect(groups.length).toBeGreaterThan(0);
});

test('a disabled model disappears from the list', async () => {
  gw.ctx.db.update(models).set({ enabled: false }).where(eq(models.id, 'gpt-4o-mini')).run();
  gw.ctx.state.reload();
  const res = await gw.fetch('/v1/models');
  const body = await res.json();
  expect(body.object).toBe('list');
  expect(body.data.map((m: any) => m.id)).not.toContain('gpt-4o-mini');
});

test('GET /v1/models/{id} returns one model, ids with a slash included; unknown is 404 model_not_found', async () => {
  const one = await gw.openai().models.retrieve('my-finetune');
  expect(one).toMatchObject({ id: 'my-finetune', object: 'model', owned_by: 'openai' });
  const mock = await gw.fetch('/v1/models/mock/echo');
  expect((await mock.json()).id).toBe('mock/echo');
  const err = await gw.openai().models.retrieve('nope').catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.NotFoundError);
  expect(err.error).toMatchObject({ code: 'model_not_found', type: 'invalid_request_error' });
});

test('GET /v1/models/{provider/model} answers every name chat takes as a concrete model (the README names models so), and only those', async () => {
  // A model of the table named with its provider, and an id the table does not have (forwarded as it is).
  for (const id of ['openai/gpt-4o', 'openai/my-unlisted-model']) {
    const m = await gw.openai().models.retrieve(id);
    expect(m).toMatchObject({ id, object: 'model', owned_by: 'openai' });
    expect(Number.isInteger(m.created)).toBe(true);
    const chat = await gw.fetch('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: id, messages: [] }) });
    expect(chat.status).not.toBe(404); // chat takes the same name (messages: [] is its own 400)
  }
  // Anthropic's clients get ModelInfo with the model's context window.
  const info = await (await gw.fetch('/v1/models/openai%2Fgpt-4o', { headers: { 'anthropic-version': '2023-06-01' } })).json();
  expect(info).toMatchObject({ type: 'model', id: 'openai/gpt-4o', max_input_tokens: gw.ctx.state.getSnapshot().models.get('gpt-4o')!.contextWindow ?? null });
  // What chat refuses as unknown stays 404: a provider that is off, a name that is not a provider, no model after the slash.
  for (const id of ['ollama/llama3', 'nosuch/model', 'openai/']) {
    const err = await gw.openai().models.retrieve(id).catch((e) => e);
    expect({ id, error: err instanceof OpenAI.NotFoundError }).toEqual({ id, error: true });
  }
});

test('a model disabled in the table is disabled under every name: its id, provider/id, /v1/models/{name} and groups that lead only to it', async () => {
  fake.handler = replayJson('openai', 'chat.json');
  const chat = (model: string) => gw.openai().chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
  gw.ctx.db.insert(modelGroups).values({ name: 'only-gpt-4o', strategy: 'heuristic', targets: ['openai/gpt-4o'], logicLevel: null, primaryUse: '', settings: {}, updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
  expect((await chat('openai/gpt-4o')).choices).toBeDefined(); // served while enabled
  expect((await chat('only-gpt-4o')).choices).toBeDefined();
  gw.ctx.db.update(models).set({ enabled: false }).where(eq(models.id, 'gpt-4o')).run();
  gw.ctx.state.reload();
  const sent = fake.requests.length;
  for (const name of ['gpt-4o', 'openai/gpt-4o']) {
    const err = await chat(name);
    expect({ name, notFound: err instanceof OpenAI.NotFoundError, code: err?.error?.code }).toEqual({ name, notFound: true, code: 'model_not_found' });
    const info = await gw.openai().models.retrieve(name).catch((e) => e);
    expect({ name, notFound: info instanceof OpenAI.NotFoundError }).toEqual({ name, notFound: true });
  }
  // A group whose only target is the disabled model has nothing to serve: not listed, 503 when asked.
  const groupErr = await chat('only-gpt-4o');
  expect(groupErr.status).toBe(503);
  expect(groupErr.error.code).toBe('no_available_target');
  expect((await (await gw.fetch('/v1/models')).json()).data.map((m: any) => m.id)).not.toContain('only-gpt-4o');
  expect(fake.requests.length).toBe(sent); // nothing reached the provider
  // An id the table does not have is still forwarded to its provider.
  expect((await chat('openai/gpt-4o-not-in-table')).choices).toBeDefined();
  expect(fake.last().body.model).toBe('gpt-4o-not-in-table');
  gw.ctx.db.update(models).set({ enabled: true }).where(eq(models.id, 'gpt-4o')).run();
  gw.ctx.state.reload();
  expect((await chat('openai/gpt-4o')).choices).toBeDefined();
});
