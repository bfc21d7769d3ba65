/**
 * A key's model allow-list at the admin API's bounds, over real HTTP: 500 names of 200 characters
 * are kept whole (the dashboard's field takes as much: long-allow-lists.browser.test.ts); one name
 * more, one character more, or an entry holding a space or comma (the dashboard's field separates
 * names by them) is a 400 naming `models`, the key unchanged.
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import { MODEL_NAME_MAX_CHARS, MODELS_MAX_ENTRIES } from '../../src/admin/limit-fields';
import type { TestGateway } from '../helpers/start-gateway';
import { api, json, useAdminGateway, type Session } from '../helpers/admin-harness';

setDefaultTimeout(30_000);

let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => ({ gw, admin } = s));

const longest = Array.from({ length: MODELS_MAX_ENTRIES }, (_, i) => `openai/${String(i).padStart(4, '0')}`.padEnd(MODEL_NAME_MAX_CHARS, 'x'));

test('the longest list is kept whole; past it, or a name with a space or comma, is a 400 naming models', async () => {
  const made = await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'longest-list', models: longest } });
  expect(made.status).toBe(201);
  const { id } = await json(made);
  expect((await json(await api(gw, 'GET', `/api/clients/${id}`, { as: admin }))).models).toEqual(longest);
  const refused = [
    [[...longest, 'gpt-4o'], "Invalid value for 'models': must be an array of at most 500 model names, each 1-200 characters, or null for every model."],
    [['x'.repeat(MODEL_NAME_MAX_CHARS + 1)], "Invalid value for 'models': must be an array of at most 500 model names, each 1-200 characters, or null for every model."],
    [['gpt-4o, gpt-4o-mini'], "'gpt-4o, gpt-4o-mini': an entry of 'models' has no spaces or commas (one model name per entry)."],
    [['gpt 4o'], "'gpt 4o': an entry of 'models' has no spaces or commas (one model name per entry)."],
  ] as const;
  for (const [models, message] of refused) {
    const r = await api(gw, 'PATCH', `/api/clients/${id}`, { as: admin, body: { models } });
    expect(r.status).toBe(400);
    const { error } = await json(r);
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'models' });
    if (message) expect(error.message).toBe(message);
  }
  expect((await json(await api(gw, 'GET', `/api/clients/${id}`, { as: admin }))).models).toEqual(longest);
  // Spaces around a name are trimmed, as before.
  const trimmed = await api(gw, 'PATCH', `/api/clients/${id}`, { as: admin, body: { models: [' gpt-4o '] } });
  expect((await json(trimmed)).models).toEqual(['gpt-4o']);
});
