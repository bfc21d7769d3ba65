/**
 * The Models page's price editor over real HTTP: it refuses what the admin API refuses (one check,
 * admin/model-patch-limits.ts), and the message sits under the field it is about, with what was typed.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { models } from '../../src/db/schema';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
let admin: { cookie: string; csrf: string };

async function signIn(username: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const r = await fetch(`${gw.url}/login`, { method: 'POST', body: new URLSearchParams({ username, password }), redirect: 'manual' });
  expect(r.status).toBe(303);
  const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
  const page = await (await fetch(`${gw.url}/`, { headers: { cookie } })).text();
  const csrf = JSON.parse(/hx-headers="([^"]+)"/.exec(page)![1]!.replaceAll('&#34;', '"'))['x-csrf-token'];
  return { cookie, csrf };
}

const save = (id: string, fields: Record<string, string>) =>
  fetch(`${gw.url}/models/${encodeURIComponent(id)}`, {
    method: 'POST',
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'hx-request': 'true', 'hx-target': `model-${id}` },
    body: new URLSearchParams(fields),
  });

const inputPrice = () => gw.ctx.db.select().from(models).where(eq(models.id, 'gpt-4o-mini')).get()!.inputPrice;

beforeAll(async () => {
  gw = await startGateway();
  admin = await signIn('admin', 'test-admin-password');
});
afterAll(() => gw.close());

describe('model prices in the dashboard', () => {
  test('the row edits the output limit: a whole number saves, a fraction is refused beside its field, blank clears it', async () => {
    const limit = () => gw.ctx.db.select().from(models).where(eq(models.id, 'gpt-4o-mini')).get()!.maxOutputTokens;
    expect(limit()).toBe(16_384);
    const row = { input_price: '0.15', output_price: '0.6' };
    const ok = await save('gpt-4o-mini', { ...row, max_output_tokens: '4096' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('name="max_output_tokens" value="4096"');
    expect(limit()).toBe(4096);
    const bad = await save('gpt-4o-mini', { ...row, max_output_tokens: '10.5' });
    expect(bad.status).toBe(422);
    const input = /<input[^>]*name="max_output_tokens"[^>]*>\s*<div[^>]*class="form-error small field-error"[^>]*>([^<]*)<\/div>/.exec(await bad.text());
    expect(input?.[1]).toBe('max output tokens must be a whole number of tokens, from 1 to 100,000,000.');
    expect(limit()).toBe(4096);
    expect((await save('gpt-4o-mini', { ...row, max_output_tokens: '' })).status).toBe(200);
    expect(limit()).toBeNull();
  });

  test('a price over 1,000,000 is refused as by PATCH /api/models, beside its field, keeping what was typed', async () => {
    const before = inputPrice();
    const api = await fetch(`${gw.url}/api/models/gpt-4o-mini`, {
      method: 'PATCH',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ input_price: 2_000_000 }),
    });
    expect(api.status).toBe(400);

    const r = await save('gpt-4o-mini', { input_price: '2000000', output_price: '0.6' });
    expect(r.status).toBe(422);
    const html = await r.text();
    expect(inputPrice()).toBe(before);
    // The message follows the input it is about, which shows the typed value and is marked invalid.
    const input = /<input[^>]*name="input_price"[^>]*>\s*<div[^>]*class="form-error small field-error"[^>]*>([^<]*)<\/div>/.exec(html);
    expect(input?.[1]).toBe('input price must be a number of dollars from 0 to 1,000,000.');
    expect(input![0]).toContain('value="2000000"');
    expect(input![0]).toContain('aria-invalid="true"');
    expect(html).toContain('name="output_price" value="0.6"');
  });

  test('a long-context tier price over the cap is refused in the tier editor', async () => {
    const r = await save('gpt-4o-mini', { long_context_threshold: '200000', long_context_input_price: '5000000' });
    expect(r.status).toBe(422);
    expect(await r.text()).toContain('long context input price must be a number of dollars from 0 to 1,000,000.');
    expect(gw.ctx.db.select().from(models).where(eq(models.id, 'gpt-4o-mini')).get()!.longContextThreshold).toBeNull();
  });

  test('prices within the cap still save', async () => {
    const r = await save('gpt-4o-mini', { input_price: '1000000', output_price: '0.6' });
    expect(r.status).toBe(200);
    expect(inputPrice()).toBe(1_000_000);
  });
});
