/** Allow-lists on every endpoint, team limits over a key's own, expired keys: through the official openai client. */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from 'bun:test';
import OpenAI from 'openai';
import { apiError } from '../helpers/start-gateway';
import { chatBody, limitedClient, makeTeam, startLimitsRig, type LimitsRig } from './limits-helpers';

// A loaded CI machine starts a gateway slowly; a limit only bounds a hang.
setDefaultTimeout(30_000);

let rig: LimitsRig;
beforeAll(async () => (rig = await startLimitsRig()), 30_000);
afterAll(() => rig.close());

async function notAllowed(p: Promise<unknown>) {
  const err = await apiError(p);
  expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
  expect([err.status, err.code, err.param]).toEqual([403, 'model_not_allowed', 'model']);
  return err;
}

test('an exact id is allowed, any other model is refused on chat, responses and images', async () => {
  const c = await limitedClient(rig.gw, 'exact', { models: ['lim-other'] });
  const client = rig.gw.openai(c.key);
  const { response } = await client.chat.completions.create(chatBody('lim-other')).withResponse();
  expect(response.headers.get('x-gophergate-model')).toBe('lim-other');
  await notAllowed(client.chat.completions.create(chatBody('lim-model')));
  await notAllowed(client.responses.create({ model: 'lim-model', input: 'Hello' }));
  await notAllowed(client.images.generate({ model: 'lim-image', prompt: 'a cat' }));
  const rows = rig.gw.logs.filter((r) => r.clientId === c.id && r.status === 403);
  expect(rows.map((r) => r.endpoint).sort()).toEqual(['chat', 'images', 'responses']);
  expect(rows.every((r) => r.costUsd === 0 && r.errorType === 'model_not_allowed')).toBe(true);
});

test('provider/* allows that provider by prefix and its bare ids, nothing else', async () => {
  const c = await limitedClient(rig.gw, 'provider', { models: ['openai/*'] });
  const client = rig.gw.openai(c.key);
  await client.chat.completions.create(chatBody('lim-model'));
  await client.chat.completions.create(chatBody('openai/gpt-4o-mini'));
  await notAllowed(client.chat.completions.create(chatBody('gemini/gemini-2.5-flash')));
  await notAllowed(client.chat.completions.create(chatBody('lim-group')));
});

test('an allowed group routes to a target the list does not name; that target by name is refused', async () => {
  const c = await limitedClient(rig.gw, 'group', { models: ['lim-group'] });
  const client = rig.gw.openai(c.key);
  const { response } = await client.chat.completions.create(chatBody('lim-group')).withResponse();
  expect(response.headers.get('x-gophergate-model')).toBe('lim-model');
  await notAllowed(client.chat.completions.create(chatBody('lim-model')));
});

test('* allows every model', async () => {
  const c = await limitedClient(rig.gw, 'star', { models: ['*'], rpm: 100 });
  const client = rig.gw.openai(c.key);
  for (const m of ['lim-model', 'lim-other', 'lim-group', 'openai/gpt-4o-mini']) await client.chat.completions.create(chatBody(m));
});

test("a team's limit stops a key its own limit would allow, and the team's allow-list applies too", async () => {
  const teamId = await makeTeam(rig.gw, { name: 'research', rpm: 1, models: ['lim-model', 'lim-other'] });
  const c = await limitedClient(rig.gw, 'member', { teamId, rpm: 100, models: ['*'] });
  const client = rig.gw.openai(c.key);
  await client.chat.completions.create(chatBody());
  const err = await apiError(client.chat.completions.create(chatBody()));
  expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  expect(err.message).toContain("team 'research'");
  // The key's own window says 99 left; the team's says 0, and the tighter one is reported.
  expect(err.headers!.get('x-ratelimit-remaining-requests')).toBe('0');
  const denied = await notAllowed(client.chat.completions.create(chatBody('lim-group')));
  expect(denied.message).toContain("team 'research'");
});

test('an expired key gets 401 (AuthenticationError) and a row; a key expiring later works', async () => {
  const past = await limitedClient(rig.gw, 'expired', { expiresAt: rig.clock.now - 1000 });
  const err = await apiError(rig.gw.openai(past.key).chat.completions.create(chatBody()));
  expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
  expect([err.status, err.code]).toEqual([401, 'key_expired']);
  expect(rig.gw.logs.find((r) => r.clientId === past.id)?.status).toBe(401);
  const models = await fetch(`${rig.gw.url}/v1/models`, { headers: { authorization: `Bearer ${past.key}` } });
  expect(models.status).toBe(401);
  expect((await models.json()).error.code).toBe('key_expired');
  const future = await limitedClient(rig.gw, 'valid', { expiresAt: rig.clock.now + 60_000 });
  await rig.gw.openai(future.key).chat.completions.create(chatBody());
  rig.clock.now += 60_000;
  expect((await apiError(rig.gw.openai(future.key).chat.completions.create(chatBody()))).status).toBe(401);
});
