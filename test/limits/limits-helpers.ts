/** Shared setup of the limits tests: a fake OpenAI, a priced test model and group, a hand-moved clock. */
import { afterAll, beforeAll } from 'bun:test';
import { eq } from 'drizzle-orm';
import { clients, modelGroups, models, teams } from '../../src/db/schema';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { deleteKeys, randomPrefix, redisEnv } from '../helpers/redis-env';
import { providerEnv, startGateway, type GatewayOptions, type TestGateway } from '../helpers/start-gateway';

/** USD per 1M tokens: $0.001 a token each way, so costs are easy to read. */
export const PRICE = 1000;
/** The chat fixture's usage: 19 prompt + 9 completion tokens = $0.028 at PRICE. */
export const FIXTURE_COST = (19 + 9) * (PRICE / 1e6);

export interface LimitsRig {
  gw: TestGateway;
  fake: FakeUpstream;
  clock: { now: number };
  close(): Promise<void>;
}

/** `options`: more of the gateway's options (the provider and the limits clock are set here; `env` adds to the provider's). */
export async function startLimitsRig(options: Omit<GatewayOptions, 'limitsClock'> = {}): Promise<LimitsRig> {
  const fake = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
  const clock = { now: Date.parse('2026-03-10T12:00:00Z') };
  const gw = await startGateway({ ...options, env: { ...providerEnv('openai', `${fake.url}/v1`), ...options.env }, limitsClock: () => clock.now });
  const now = Date.now();
  gw.ctx.db.insert(models).values([
    { id: 'lim-model', provider: 'openai', upstreamId: 'gpt-4o-mini', inputPrice: PRICE, outputPrice: PRICE, contextWindow: 128_000, updatedAt: now },
    { id: 'lim-other', provider: 'openai', upstreamId: 'gpt-4o-mini', inputPrice: PRICE, outputPrice: PRICE, updatedAt: now },
    { id: 'lim-image', provider: 'openai', upstreamId: 'gpt-image-1', kind: 'image', inputPrice: PRICE, outputPrice: PRICE, imagePrice: 0.04, updatedAt: now },
  ]).run();
  gw.ctx.db.insert(modelGroups).values({ name: 'lim-group', strategy: 'heuristic', targets: ['lim-model'], updatedAt: now }).run();
  gw.ctx.state.reload();
  return { gw, fake, clock, close: async () => (await gw.close(), fake.close()) };
}

/** The fake OpenAI answering chat's fixtures, the stream's to a streamed request (/v1/messages of an OpenAI model goes through chat). */
export const chatFixtures: FakeHandler = (_req, recorded) =>
  recorded.body?.stream ? sseResponse(readChunks('openai', 'text.chunks.txt')) : jsonResponse(fixtureJson('openai', 'chat.json'));

type ClientLimits = Partial<Pick<typeof clients.$inferInsert, 'teamId' | 'models' | 'budgetUsd' | 'budgetPeriod' | 'rpm' | 'tpm' | 'maxParallel' | 'expiresAt'>>;

/** The rig's bridged model (lim-bridged: deepseek-reasoner on DeepSeek, at PRICE), for /v1/responses the gateway runs itself. */
export function addBridgedModel(rig: LimitsRig): void {
  rig.gw.ctx.db.insert(models).values({ id: 'lim-bridged', provider: 'deepseek', upstreamId: 'deepseek-reasoner', inputPrice: PRICE, outputPrice: PRICE, updatedAt: Date.now() }).run();
  rig.gw.ctx.state.reload();
}

/**
 * The file's limits rig with DeepSeek behind a fake upstream and the bridged model added (lim-bridged),
 * started before its tests and closed after them; `onStart` gets the rig. Returns the fake DeepSeek.
 */
export function useBridgedLimitsRig(onStart: (rig: LimitsRig) => void): FakeUpstream {
  const deepseek = startFakeUpstream();
  let rig: LimitsRig | undefined;
  beforeAll(async () => {
    rig = await startLimitsRig({ env: providerEnv('deepseek', deepseek.url) });
    addBridgedModel(rig);
    onStart(rig);
  });
  afterAll(async () => {
    await rig?.close();
    deepseek.close();
  });
  return deepseek;
}

/** The rig's embedding model (lim-embed, at PRICE per 1M input tokens) and image model (lim-dalle, $0.05 an image), for the other endpoints. */
export function addEmbeddingAndImageModels(rig: LimitsRig): void {
  const now = Date.now();
  rig.gw.ctx.db.insert(models).values([
    { id: 'lim-embed', provider: 'openai', upstreamId: 'text-embedding-3-small', kind: 'embedding', inputPrice: PRICE, outputPrice: 0, updatedAt: now },
    { id: 'lim-dalle', provider: 'openai', upstreamId: 'dall-e-2', kind: 'image', inputPrice: 0, outputPrice: 0, imagePrice: 0.05, updatedAt: now },
  ]).run();
  rig.gw.ctx.state.reload();
}

/** A new key with these limits, in force (snapshot reloaded, period spend read). */
export async function limitedClient(gw: TestGateway, name: string, limits: ClientLimits): Promise<{ key: string; id: number }> {
  const c = gw.addClient(name);
  gw.ctx.db.update(clients).set(limits).where(eq(clients.id, c.id)).run();
  await gw.ctx.limits.seed(gw.ctx.state.reload());
  return c;
}

export async function makeTeam(gw: TestGateway, values: Omit<typeof teams.$inferInsert, 'createdAt' | 'updatedAt'>): Promise<number> {
  const now = Date.now();
  const row = gw.ctx.db.insert(teams).values({ ...values, createdAt: now, updatedAt: now }).returning().get();
  await gw.ctx.limits.seed(gw.ctx.state.reload());
  return row.id;
}

export const chatBody = (model = 'lim-model', extra: Record<string, unknown> = {}) => ({
  model, max_tokens: 10, messages: [{ role: 'user' as const, content: 'Hello' }], ...extra,
});

/**
 * The file's limits rig (SQLite counters), started before its tests and closed after them;
 * `onStart` gets it first (a fake's handler, models). Read it through the returned function.
 */
export function useLimitsRig(onStart?: (rig: LimitsRig) => void): () => LimitsRig {
  let rig: LimitsRig;
  beforeAll(async () => {
    rig = await startLimitsRig();
    onStart?.(rig);
  }, 30_000);
  afterAll(() => rig.close());
  return () => rig;
}

/**
 * The rig on Redis counters under a key prefix of the calling test file's own: started before its
 * tests, closed and its Redis keys deleted after them. Read it through the returned function.
 */
export function useRedisLimitsRig(): () => LimitsRig {
  const prefix = randomPrefix();
  let rig: LimitsRig;
  beforeAll(async () => (rig = await startLimitsRig({ env: redisEnv(prefix) })), 30_000);
  afterAll(async () => {
    await rig.close();
    await deleteKeys(prefix);
  });
  return () => rig;
}
