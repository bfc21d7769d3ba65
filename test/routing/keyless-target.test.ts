/**
 * A group target whose provider was switched on without a key (the Providers page's Enable, or
 * LLM_PROXY__PROVIDERS__<P>__ENABLED=true with no key): the provider refuses the keyless call with
 * 401, which is the operator's problem with that provider, as a bad key's 401 is, so the group
 * goes on to its next target. Real gateway, openai SDK, fake upstreams on loopback.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { modelGroups } from '../../src/db/schema';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
let grok: FakeUpstream;
let moonshot: FakeUpstream;
beforeAll(async () => {
  // xAI's answer to a call without a key.
  grok = startFakeUpstream((req) =>
    req.headers.get('authorization')?.startsWith('Bearer ') && req.headers.get('authorization')!.length > 'Bearer '.length
      ? jsonResponse(fixtureJson('grok', 'chat.json'))
      : jsonResponse({ code: 'Client specified an invalid argument', error: 'Incorrect API key provided: . You can obtain an API key from https://console.x.ai.' }, 401),
  );
  moonshot = startFakeUpstream((_req, rec) => (rec.body.stream ? sseResponse(readChunks('moonshot', 'text.chunks.txt')) : jsonResponse(fixtureJson('moonshot', 'chat.json'))));
  gw = await startGateway({
    env: {
      LLM_PROXY__PROVIDERS__GROK__BASE_URL: `${grok.url}/v1`,
      LLM_PROXY__PROVIDERS__GROK__ENABLED: 'true',
      ...providerEnv('moonshot', `${moonshot.url}/v1`),
    },
  });
  gw.ctx.db.insert(modelGroups).values({ name: 'grok-then-kimi', strategy: 'heuristic', targets: ['grok-4.3', 'kimi-k2.6'], updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  grok.close();
  moonshot.close();
});

test('the keyless target answers 401: the group falls back (JSON and stream), one row with both tries', async () => {
  for (const stream of [false, true]) {
    const { data, response } = await gw.openai().chat.completions.create({ model: 'grok-then-kimi', stream, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    if (stream) for await (const _ of data as AsyncIterable<unknown>);
    expect(response.headers.get('x-gophergate-model')).toBe('kimi-k2.6');
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ status: 200, provider: 'moonshot', model: 'kimi-k2.6', route: 'grok-then-kimi>kimi-k2.6' });
    expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['grok', 502], ['moonshot', 200]]);
  }
});

test('named directly, the keyless model answers 502 upstream_auth_failed (the client key is fine)', async () => {
  const err = await apiError(gw.openai().chat.completions.create({ model: 'grok-4.3', messages: [{ role: 'user', content: 'hi' }] }));
  expect([err.status, err.code]).toEqual([502, 'upstream_auth_failed']);
});
