/**
 * The dashboard's limit forms (a key's limits, a new team, a team's editor) over real HTTP, sent
 * as a browser sends them: a number the admin did not type as plain digits ("10abc", "1e3",
 * "0x10", "1,000", "Infinity") is a 422 naming the field, and nothing is saved; blank is "no limit".
 */
import { FIELD_LABELS } from '../../src/dashboard/field-labels';
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { getClient, updateClient } from '../../src/admin/clients-service';
import { createTeam, getTeam } from '../../src/admin/teams-service';
import { ADMIN_PASSWORD, login, type Session } from '../helpers/admin-harness';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

let gw: TestGateway;
let admin: Session;

const post = (path: string, body: Record<string, string>) =>
  fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'hx-request': 'true' },
    body: new URLSearchParams(body),
  });

/** The error list's text with the quotes Kita escaped put back. */
const errorText = async (r: Response) => (await r.text()).replaceAll('&#x27;', "'");

const KEY_FORM = { models: 'gpt-4o', budget_usd: '5', budget_period: 'week', rpm: '60', tpm: '1000', max_parallel: '2', expires_at: '', team_id: '' };
const TEAM_FORM = { name: 'numbers-team', models: '', budget_usd: '5', budget_period: 'month', rpm: '60', tpm: '1000' };

beforeAll(async () => {
  gw = await startGateway();
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
});
afterAll(() => gw.close());

// What Number() would have saved for each: 10abc and 1,000 failed later, the rest went in as another number.
const LOOSE = ['10abc', '1e3', '0x10', '0b11', '1,000', 'Infinity', '12 000', '+5', '1_000', '１２'];
const LOOSE_BUDGET = [...LOOSE.filter((v) => v !== '1_000'), '1.2.3', '5$', '--5', '.'];

describe('a key limits form', () => {
  const before = { models: ['gpt-4o'], budget_usd: 5, budget_period: 'week', rpm: 60, tpm: 1000, max_parallel: 2 };

  beforeAll(async () => {
    await updateClient(gw.ctx, gw.clientId, { models: ['gpt-4o'], budget_usd: 5, budget_period: 'week', rpm: 60, tpm: 1000, max_parallel: 2 });
  });

  for (const [field, values, label] of [
    ['rpm', LOOSE, 'Requests / min'], ['tpm', LOOSE, 'Tokens / min'], ['max_parallel', LOOSE, 'In flight at once'],
    ['budget_usd', LOOSE_BUDGET, 'Budget (USD)'], ['team_id', ['1e0', '0x1', 'one'], 'Team'],
  ] as const) {
    test(`${field}: ${values.join(' | ')} are refused by name and change nothing`, async () => {
      for (const v of values) {
        const r = await post(`/clients/${gw.clientId}/limits`, { ...KEY_FORM, [field]: v });
        const html = await r.text();
        expect([v, r.status]).toEqual([v, 422]);
        expect(r.headers.get('hx-retarget')).toBe(`#client-${gw.clientId}-limits-errors`);
        expect(html).toContain(label);
        expect(html).toContain('class="form-errors"');
        expect(await getClient(gw.ctx, gw.clientId)).toMatchObject(before);
      }
    });
  }

  test('out of range is the API check and message: negative, zero, over 1e9', async () => {
    for (const [field, v] of [['rpm', '-5'], ['tpm', '0'], ['max_parallel', '-1'], ['rpm', '1000000001'], ['budget_usd', '-0.01']] as const) {
      const r = await post(`/clients/${gw.clientId}/limits`, { ...KEY_FORM, [field]: v });
      expect([field, v, r.status]).toEqual([field, v, 422]);
      // The API's check, in the form's words: the field's label, not its API name.
      expect(await errorText(r)).toContain(`${FIELD_LABELS[field]} must be`);
    }
    expect(await getClient(gw.ctx, gw.clientId)).toMatchObject(before);
  });

  test('plain digits save exactly what was typed (spaces around are not part of it); blank removes that limit', async () => {
    const r = await post(`/clients/${gw.clientId}/limits`, { ...KEY_FORM, budget_usd: ' 12.50 ', rpm: ' 12 ', tpm: '', max_parallel: '007' });
    expect(r.status).toBe(200);
    expect(await getClient(gw.ctx, gw.clientId)).toMatchObject({ budget_usd: 12.5, rpm: 12, tpm: null, max_parallel: 7 });
    const zero = await post(`/clients/${gw.clientId}/limits`, { ...KEY_FORM, budget_usd: '-0', rpm: '', tpm: '', max_parallel: '' });
    expect(zero.status).toBe(200);
    const c = await getClient(gw.ctx, gw.clientId);
    expect([Object.is(c.budget_usd, 0), c.rpm, c.tpm, c.max_parallel]).toEqual([true, null, null, null]);
  });
});

describe('team forms', () => {
  test('a new team with a loose number is not created; the message names the field', async () => {
    for (const [field, v] of [['rpm', '1e3'], ['tpm', '0x10'], ['budget_usd', '1,000']] as const) {
      const r = await post('/teams', { ...TEAM_FORM, name: `t-${field}`, [field]: v });
      expect([v, r.status]).toEqual([v, 422]);
      expect(r.headers.get('hx-retarget')).toBe('#team-create-errors');
      expect(await errorText(r)).toContain(`'${v}' is not a`);
    }
    const names = (await (await fetch(`${gw.url}/api/teams`, { headers: { authorization: `Bearer ${admin.token}` } })).json()) as { data: { name: string }[] };
    expect(names.data.map((t) => t.name).filter((n) => n.startsWith('t-'))).toEqual([]);
  });

  test("a team's editor with a loose number changes nothing, not even its name", async () => {
    const team = await createTeam(gw.ctx, { name: 'edit-me', rpm: 60, budget_usd: 5 });
    for (const [field, v] of [['rpm', '10abc'], ['budget_usd', '0x10'], ['tpm', 'Infinity']] as const) {
      const r = await post(`/teams/${team.id}`, { ...TEAM_FORM, name: 'renamed', [field]: v });
      expect([v, r.status]).toEqual([v, 422]);
      expect(r.headers.get('hx-retarget')).toBe(`#team-${team.id}-errors`);
    }
    expect(await getTeam(gw.ctx, team.id)).toMatchObject({ name: 'edit-me', rpm: 60, budget_usd: 5, tpm: null });
  });
});

describe('the other number fields read the same way', () => {
  test("a model price of '1e3' or '0x10' is refused and the price stays", async () => {
    const price = async () => ((await (await fetch(`${gw.url}/api/models/gpt-4o-mini`, { headers: { authorization: `Bearer ${admin.token}` } })).json()) as { input_price: number }).input_price;
    const before = await price();
    for (const v of ['1e3', '0x10', '1,5']) {
      const r = await post('/models/gpt-4o-mini', { input_price: v, output_price: '0.6' });
      expect([v, r.status]).toEqual([v, 422]);
      expect(await errorText(r)).toContain(`input price: '${v}' is not a number`);
    }
    expect(await price()).toBe(before);
  });

  test("a pool key's weight of '0x10' is refused; no key is added", async () => {
    const r = await post('/providers/openai/keys', { key: 'sk-weight-test-0123456789abcdef', label: 'w', weight: '0x10' });
    expect(r.status).toBe(422);
    expect(await errorText(r)).toContain("Weight: '0x10' is not a whole number");
    const p = (await (await fetch(`${gw.url}/api/providers/openai`, { headers: { authorization: `Bearer ${admin.token}` } })).json()) as { keys: { label: string }[] };
    expect(p.keys.map((k) => k.label)).not.toContain('w');
  });
});

test('a limit past the API range says the range', async () => {
  const rpm = await post(`/clients/${gw.clientId}/limits`, { ...KEY_FORM, rpm: '99999999999999999999' });
  expect(rpm.status).toBe(422);
  expect(await errorText(rpm)).toContain('Requests / min must be a whole number from 1 to 1,000,000,000, or blank for no limit.');
});

test('a form shows stored numbers in digits it reads back: saved unchanged, they stay', async () => {
  await updateClient(gw.ctx, gw.clientId, { budget_usd: 1e-7, rpm: null, tpm: null, max_parallel: null, models: null });
  const page = await (await fetch(`${gw.url}/clients`, { headers: { cookie: admin.cookie } })).text();
  const budget = new RegExp(`id="client-${gw.clientId}-budget"[^>]*value="([^"]*)"`).exec(page);
  expect(budget?.[1]).toBe('0.0000001');
  const r = await post(`/clients/${gw.clientId}/limits`, { ...KEY_FORM, models: '', budget_usd: budget![1]!, rpm: '', tpm: '', max_parallel: '' });
  expect(r.status).toBe(200);
  expect((await getClient(gw.ctx, gw.clientId)).budget_usd).toBe(1e-7);
  // A seeded price multiplier with 17 significant digits saves unchanged too.
  const models = await (await fetch(`${gw.url}/models?provider=openai`, { headers: { cookie: admin.cookie } })).text();
  const row = /<tr id="model-gpt-4o-mini">[\s\S]*?<\/tr>/.exec(models)![0];
  const shown = (name: string) => new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(row)![1]!;
  expect(shown('priority_price_multiplier')).toBe('1.6666666666666667');
  const form = Object.fromEntries(['audio_input_price', 'audio_output_price', 'flex_price_multiplier', 'priority_price_multiplier'].map((k) => [k, shown(k)]));
  const saved = await post('/models/gpt-4o-mini', form);
  expect(saved.status).toBe(200);
});

test('the summary shows the limits saved, exactly (1,050 rpm read "1.1k rpm")', async () => {
  const r = await post(`/clients/${gw.clientId}/limits`, { ...KEY_FORM, models: '', budget_usd: '', rpm: '1050', tpm: '1234567', max_parallel: '' });
  expect(r.status).toBe(200);
  const summary = new RegExp(`<tbody id="client-${gw.clientId}"[\\s\\S]*?<span class="limits-summary small">([^<]*)</span>`).exec(await r.text());
  expect(summary?.[1]).toBe('1,050 rpm · 1,234,567 tpm');
});
