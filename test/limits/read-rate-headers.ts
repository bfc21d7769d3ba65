/**
 * The `x-ratelimit-*` headers of answers a limited key gets without being admitted: GET
 * /v1/models, GET /v1/models/{id} and the 403 model_not_allowed refusal show its windows (a
 * read-only look: nothing counted). Run with the in-memory counters (test/limits) and the Redis
 * ones (test/redis).
 */
import { expect } from 'bun:test';
import OpenAI from 'openai';
import { eventually } from '../helpers/redis-env';
import { apiError } from '../helpers/start-gateway';
import { chatBody, limitedClient, makeTeam, type LimitsRig } from './limits-helpers';

const trio = (h: Headers, kind: 'requests' | 'tokens') =>
  [h.get(`x-ratelimit-limit-${kind}`), h.get(`x-ratelimit-remaining-${kind}`), h.get(`x-ratelimit-reset-${kind}`)];

export async function modelListsShowWindows(rig: LimitsRig, t0: number): Promise<void> {
  rig.clock.now = t0;
  const c = await limitedClient(rig.gw, `reads-${t0}`, { rpm: 3, tpm: 1000 });
  const client = rig.gw.openai(c.key);
  const first = await client.chat.completions.create(chatBody()).withResponse();
  expect(trio(first.response.headers, 'requests')).toEqual(['3', '2', '1m0s']);
  await rig.gw.waitForRow(first);

  rig.clock.now = t0 + 10_000;
  // Once the answer settled, its 19 + 9 tokens are what the window holds.
  const tokensLeft = async () => (await client.models.list().withResponse()).response.headers.get('x-ratelimit-remaining-tokens');
  expect(await eventually(async () => (await tokensLeft()) === String(1000 - 28))).toBe(true);
  for (let i = 0; i < 3; i++) {
    const list = await client.models.list().withResponse();
    expect(list.data.data.map((m) => m.id)).toContain('lim-model');
    expect(trio(list.response.headers, 'requests')).toEqual(['3', '2', '50s']);
    expect(trio(list.response.headers, 'tokens')).toEqual(['1000', '972', '50s']);
    const one = await client.models.retrieve('lim-model').withResponse();
    expect(one.data.id).toBe('lim-model');
    expect(trio(one.response.headers, 'requests')).toEqual(['3', '2', '50s']);
  }
  // A 404 of the same key shows them too.
  const missing = await apiError(client.models.retrieve('no-such-model'));
  expect(missing.status).toBe(404);
  expect(trio(missing.headers!, 'requests')).toEqual(['3', '2', '50s']);
  // Anthropic's clients read their own names from the same look.
  const anth = await rig.gw.fetch('/v1/models', { headers: { authorization: `Bearer ${c.key}`, 'anthropic-version': '2023-06-01' } });
  expect(anth.status).toBe(200);
  expect(anth.headers.get('anthropic-ratelimit-requests-remaining')).toBe('2');
  expect(anth.headers.get('x-ratelimit-remaining-requests')).toBe('2');

  // The reads counted nothing: the next request is the second of the minute.
  const second = await client.chat.completions.create(chatBody()).withResponse();
  expect(trio(second.response.headers, 'requests')).toEqual(['3', '1', '1m0s']);
}

export async function modelNotAllowedShowsWindows(rig: LimitsRig, t0: number): Promise<void> {
  rig.clock.now = t0;
  const c = await limitedClient(rig.gw, `allow-${t0}`, { rpm: 5, models: ['lim-model'] });
  const client = rig.gw.openai(c.key);
  const ok = await client.chat.completions.create(chatBody()).withResponse();
  expect(trio(ok.response.headers, 'requests')).toEqual(['5', '4', '1m0s']);

  rig.clock.now = t0 + 20_000;
  const err = await apiError(client.chat.completions.create(chatBody('lim-other')));
  expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
  expect([err.status, err.code]).toEqual([403, 'model_not_allowed']);
  expect(trio(err.headers!, 'requests')).toEqual(['5', '4', '40s']);
  expect(err.headers!.get('x-ratelimit-limit-tokens')).toBe(null); // no TPM on this key
  const row = await rig.gw.waitForRow(err.headers!.get('x-request-id')!);
  expect([row.status, row.errorType, row.costUsd]).toEqual([403, 'model_not_allowed', 0]);

  // The refusal counted nothing either.
  const next = await client.chat.completions.create(chatBody()).withResponse();
  expect(trio(next.response.headers, 'requests')).toEqual(['5', '3', '1m0s']);
}

/** A key without limits of its own in a team with an RPM limit: the team's window, as the admission shows it. */
export async function teamWindowShown(rig: LimitsRig, t0: number): Promise<void> {
  rig.clock.now = t0;
  const teamId = await makeTeam(rig.gw, { name: `team-${t0}`, rpm: 4 });
  const c = await limitedClient(rig.gw, `member-${t0}`, { teamId });
  const client = rig.gw.openai(c.key);
  const ok = await client.chat.completions.create(chatBody()).withResponse();
  expect(trio(ok.response.headers, 'requests')).toEqual(['4', '3', '1m0s']);
  const list = await client.models.list().withResponse();
  expect(trio(list.response.headers, 'requests')).toEqual(['4', '3', '1m0s']);
}

/** A key with only a budget: no rate headers, on admitted answers as on the reads. */
export async function budgetOnlyShowsNone(rig: LimitsRig, t0: number): Promise<void> {
  rig.clock.now = t0;
  const c = await limitedClient(rig.gw, `budget-${t0}`, { budgetUsd: 5, models: ['lim-model'] });
  const client = rig.gw.openai(c.key);
  const ok = await client.chat.completions.create(chatBody()).withResponse();
  const list = await client.models.list().withResponse();
  const err = await apiError(client.chat.completions.create(chatBody('lim-other')));
  expect(err.status).toBe(403);
  for (const h of [ok.response.headers, list.response.headers, err.headers!]) {
    expect([...h.keys()].filter((k) => k.startsWith('x-ratelimit-'))).toEqual([]);
  }
}
