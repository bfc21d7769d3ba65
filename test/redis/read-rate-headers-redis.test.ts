/** Rate headers on the model lists and the 403 model_not_allowed of a limited key (Redis counters). */
import { expect, test, setDefaultTimeout } from 'bun:test';
import { deleteKeys, randomPrefix, redisEnv } from '../helpers/redis-env';
import { apiError } from '../helpers/start-gateway';
import { startTcpProxy } from '../helpers/tcp-proxy';
import { chatBody, limitedClient, startLimitsRig, useRedisLimitsRig } from '../limits/limits-helpers';
import { budgetOnlyShowsNone, modelListsShowWindows, modelNotAllowedShowsWindows, teamWindowShown } from '../limits/read-rate-headers';

setDefaultTimeout(30_000);

/** The rig on Redis counters under a key prefix of this file's own. */
const rig = useRedisLimitsRig();

const T0 = Date.parse('2026-03-10T12:00:00Z');

test('GET /v1/models and /v1/models/{id} show the key\'s windows, and reading them counts nothing (Redis)', () => modelListsShowWindows(rig(), T0));
test('a 403 model_not_allowed shows the key\'s windows and counts nothing (Redis)', () => modelNotAllowedShowsWindows(rig(), T0 + 3_600_000));
test('a key in a team with an RPM limit sees the team\'s window on the model list (Redis)', () => teamWindowShown(rig(), T0 + 7_200_000));
test('a key with only a budget gets no rate headers, admitted or not (Redis)', () => budgetOnlyShowsNone(rig(), T0 + 10_800_000));

test('Redis cut: the model list and a 403 still answer, with this instance\'s own view of the windows', async () => {
  const proxy = await startTcpProxy('127.0.0.1', 6379);
  const cutPrefix = randomPrefix();
  // Fail mode closed: an admission would be a 503 now; a read never is.
  const cut = await startLimitsRig({ env: redisEnv(cutPrefix, proxy.url, { LLM_PROXY__LIMITS__FAIL_MODE: 'closed' }) });
  try {
    const c = await limitedClient(cut.gw, 'cut', { rpm: 3, models: ['lim-model'] });
    const client = cut.gw.openai(c.key);
    await client.chat.completions.create(chatBody());
    proxy.cut();
    for (let i = 0; i < 3; i++) {
      const list = await client.models.list().withResponse();
      expect(list.data.data.length).toBeGreaterThan(0);
      // Nothing was admitted here while Redis was away: the local windows are empty.
      expect(list.response.headers.get('x-ratelimit-remaining-requests')).toBe('3');
      const err = await apiError(client.chat.completions.create(chatBody('lim-other')));
      expect([err.status, err.code]).toEqual([403, 'model_not_allowed']);
      expect(err.headers!.get('x-ratelimit-limit-requests')).toBe('3');
    }
    const refused = await apiError(client.chat.completions.create(chatBody()));
    expect([refused.status, refused.code]).toEqual([503, 'limits_unavailable']);
  } finally {
    proxy.restore();
    await cut.close();
    proxy.close();
    await deleteKeys(cutPrefix);
  }
});
