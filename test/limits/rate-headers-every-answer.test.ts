/** Rate headers on every /v1 route and every kind of answer of a limited key (in-memory counters). */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { limitedClient, type LimitsRig } from './limits-helpers';
import { everyAnswerRated, expiredKeyRated, startWalkRig } from './rate-headers-every-answer';

setDefaultTimeout(60_000);

let rig: LimitsRig;
beforeAll(async () => (rig = await startWalkRig()), 30_000);
afterAll(() => rig.close());

test('every /v1 route and every kind of answer of a key with RPM and TPM limits carries the rate headers, consistent along the walk', () => everyAnswerRated(rig));
test('every /v1 route answers an expired key 401 key_expired with the rate headers of its untouched windows', () => expiredKeyRated(rig));

test("an unknown /v1 route's 404 shows a known key's windows (x-api-key on Anthropic's paths too), and is the same 404 without rate headers for no key or a wrong one", async () => {
  const c = await limitedClient(rig.gw, 'stray', { rpm: 7, tpm: 700_000 });
  const post = (path: string, headers: Record<string, string>) =>
    fetch(`${rig.gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"model":"mock/echo"}' });
  const cases: [string, string, Record<string, string>, string | null][] = [
    ['known key', '/v1/images/edits', { authorization: `Bearer ${c.key}` }, '7'],
    ['known key as x-api-key on an Anthropic path', '/v1/messages/batches', { 'x-api-key': c.key, 'anthropic-version': '2023-06-01' }, '7'],
    ['no key', '/v1/images/edits', {}, null],
    ['a wrong key', '/v1/images/edits', { authorization: 'Bearer gg-not-a-key' }, null],
    ['a key that is not a bearer', '/v1/images/edits', { authorization: 'Basic Zm9vOmJhcg==' }, null],
  ];
  for (const [name, path, headers, limit] of cases) {
    const r = await post(path, headers);
    const body = (await r.json()) as any;
    expect({ name, status: r.status, id: !!r.headers.get('x-request-id'), limit: r.headers.get('x-ratelimit-limit-requests') }).toEqual({ name, status: 404, id: true, limit });
    if (path.startsWith('/v1/messages')) expect(body).toEqual({ type: 'error', error: { type: 'not_found_error', message: 'Not found.', details: { error_code: 'not_found' } } });
    else expect(body.error).toMatchObject({ code: 'not_found', message: `Invalid URL (POST ${path}).` });
  }
  const anthropic = await post('/v1/messages/batches', { 'x-api-key': c.key, 'anthropic-version': '2023-06-01' });
  expect(anthropic.headers.get('anthropic-ratelimit-requests-limit')).toBe('7');
});
