/**
 * Model groups over real HTTP as the dashboard's forms send them: deleting (refused inline while
 * another group targets it) and the classifier settings of the edit form.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { getGroup } from '../../src/admin/groups-service';
import { modelGroups } from '../../src/db/schema';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
const SEEDED = new Set(['fast-flow', 'standard-pro', 'heavy-logic', 'dispatcher', 'deepseek-auto', 'openai-auto', 'gemini-auto']);
let admin: { cookie: string; csrf: string };

async function signIn(username: string, password: string) {
  const r = await fetch(`${gw.url}/login`, { method: 'POST', body: new URLSearchParams({ username, password }), redirect: 'manual' });
  const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
  const page = await (await fetch(`${gw.url}/groups`, { headers: { cookie } })).text();
  const csrf = JSON.parse(/hx-headers="([^"]+)"/.exec(page)![1]!.replaceAll('&#34;', '"'))['x-csrf-token'];
  return { cookie, csrf };
}

const post = (path: string, body: Record<string, string> = {}) =>
  fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'hx-request': 'true' },
    body: new URLSearchParams(body),
  });

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'", '#34': '"' };
const decode = (s: string) => s.replace(/&(amp|lt|gt|quot|#39|#x27|#34);/g, (_m, e: string) => ENTITIES[e]!);

/** Text content (entities decoded) of the first element matching `selector` in an HTML fragment. */
async function textOf(html: string, selector: string): Promise<string | null> {
  let out: string | null = null;
  let inside = false;
  await new HTMLRewriter()
    .on(selector, {
      element(el) {
        if (out !== null) return;
        out = '';
        inside = true;
        el.onEndTag(() => void (inside = false));
      },
      text(t) {
        if (inside) out += t.text;
      },
    })
    .transform(new Response(html))
    .text();
  return out === null ? null : decode(out);
}

const CLASSIFIER_FORM = {
  strategy: 'classifier', targets: 'fast-flow\nstandard-pro\nheavy-logic', logic_level: '', primary_use: 'Auto',
  classifier_model: 'openai/gpt-4o-mini', scale_min: '0', scale_max: '4', threshold: '3.5', timeout_ms: '1500', rules: '',
};

beforeAll(async () => {
  gw = await startGateway();
  admin = await signIn('admin', 'test-admin-password');
});
afterAll(() => gw.close());

describe('model groups page', () => {
  test('an admin\'s own group has a delete control, with a confirmation; a seeded group none (the seed adds it back)', async () => {
    gw.ctx.db.insert(modelGroups).values({ name: 'own-deletable', strategy: 'heuristic', targets: ['gpt-4o-mini'], updatedAt: Date.now() }).run();
    gw.ctx.state.reload();
    const page = await (await fetch(`${gw.url}/groups`, { headers: { cookie: admin.cookie } })).text();
    expect(page).toMatch(/hx-post="\/groups\/own-deletable\/delete"[^>]*hx-confirm="Delete the group own-deletable\?/);
    expect(page).toContain('id="group-fast-flow"');
    expect(page).not.toContain('hx-post="/groups/fast-flow/delete"');
    gw.ctx.db.delete(modelGroups).where(eq(modelGroups.name, 'own-deletable')).run();
    gw.ctx.state.reload();
  });

  test('a group another group targets is not deleted; the refusal names that group, on the card', async () => {
    const r = await post('/groups/fast-flow/delete');
    expect(r.status).toBe(422);
    const html = await r.text();
    expect(html).toContain('id="group-fast-flow"');
    expect(await textOf(html, '.delete-errors li')).toBe("fast-flow is still a target of dispatcher. Remove it from that group's targets first.");
    expect((await getGroup(gw.ctx, 'fast-flow')).name).toBe('fast-flow');
    expect(gw.ctx.state.getSnapshot().groups.has('fast-flow')).toBe(true);
  });

  test('an unreferenced group is deleted: the card becomes a note, routing forgets it', async () => {
    const created = await post('/groups', { name: 'temp-group', strategy: 'heuristic', targets: 'gpt-4o-mini\ngpt-4o' });
    expect(created.status).toBe(200);
    expect(gw.ctx.state.getSnapshot().groups.has('temp-group')).toBe(true);
    const r = await post('/groups/temp-group/delete');
    expect(r.status).toBe(200);
    expect(await textOf(await r.text(), '.saved')).toBe('Deleted temp-group.');
    expect(gw.ctx.state.getSnapshot().groups.has('temp-group')).toBe(false);
    expect((await post('/groups/temp-group/delete')).status).toBe(422); // already gone: said inline
  });

  test('classifier settings are saved from the form and shown back in it', async () => {
    const r = await post('/groups/dispatcher', CLASSIFIER_FORM);
    expect(r.status).toBe(200);
    const html = await r.text();
    expect((await getGroup(gw.ctx, 'dispatcher')).settings).toEqual({
      classifier_model: 'openai/gpt-4o-mini', scale_min: 0, scale_max: 4, threshold: 3.5, timeout_ms: 1500,
    });
    for (const [name, value] of [['classifier_model', 'openai/gpt-4o-mini'], ['scale_min', '0'], ['scale_max', '4'], ['threshold', '3.5'], ['timeout_ms', '1500']])
      expect(html).toMatch(new RegExp(`name="${name}"[^>]*value="${value.replace('.', '\\.')}"`));
    // The routing snapshot carries them too.
    expect(gw.ctx.state.getSnapshot().groups.get('dispatcher')!.settings.timeout_ms).toBe(1500);
  });

  test('classifier settings routing could not use are refused inline, and nothing is saved', async () => {
    const before = (await getGroup(gw.ctx, 'dispatcher')).settings;
    const cases: [Record<string, string>, RegExp][] = [
      [{ classifier_model: '' }, /needs a classifier model/],
      [{ scale_min: '5', scale_max: '5' }, /greater than scale min/],
      [{ scale_min: '1.5' }, /whole numbers/],
      [{ timeout_ms: '0' }, /above 0/],
      [{ threshold: 'high' }, /threshold: 'high' is not a number/],
      // Number() read these as 1000 and 16.
      [{ timeout_ms: '1e3' }, /timeout ms: '1e3' is not a number/],
      [{ threshold: '0x10' }, /threshold: '0x10' is not a number/],
    ];
    for (const [change, message] of cases) {
      const r = await post('/groups/dispatcher', { ...CLASSIFIER_FORM, ...change });
      expect({ change, status: r.status }).toEqual({ change, status: 422 });
      expect(await textOf(await r.text(), '#group-dispatcher .form-errors li')).toMatch(message);
    }
    expect((await getGroup(gw.ctx, 'dispatcher')).settings).toEqual(before);
  });

  test('rules holding a `__proto__` or `constructor` key are refused inline, as /api/groups refuses them', async () => {
    const before = (await getGroup(gw.ctx, 'dispatcher')).settings;
    for (const rules of ['[{"name":"code","kind":"keywords","words":["x"],"weight":1,"__proto__":{"weight":9}}]', '{"constructor":{}}']) {
      const r = await post('/groups/dispatcher', { ...CLASSIFIER_FORM, strategy: 'heuristic', rules });
      expect({ rules, status: r.status }).toEqual({ rules, status: 422 });
      expect(await textOf(await r.text(), '#group-dispatcher .form-errors li')).toMatch(/must not use the key '(__proto__|constructor)'/);
    }
    expect((await getGroup(gw.ctx, 'dispatcher')).settings).toEqual(before);
  });

  test('switching to heuristic drops the classifier keys and keeps the rest', async () => {
    const r = await post('/groups/dispatcher', { ...CLASSIFIER_FORM, strategy: 'heuristic', rules: '[{"name":"code","kind":"keywords","words":["debug*"],"weight":1}]' });
    expect(r.status).toBe(200);
    const g = await getGroup(gw.ctx, 'dispatcher');
    expect(g.strategy).toBe('heuristic');
    expect(Object.keys(g.settings)).toEqual(['rules']);
  });

  test('a strategy other than heuristic or classifier is refused inline, not saved as heuristic', async () => {
    const before = await getGroup(gw.ctx, 'dispatcher');
    const r = await post('/groups/dispatcher', { ...CLASSIFIER_FORM, strategy: 'classifer' });
    expect(r.status).toBe(422);
    expect(await textOf(await r.text(), '#group-dispatcher .form-errors li')).toBe("Strategy must be heuristic or classifier, not 'classifer'.");
    expect(await getGroup(gw.ctx, 'dispatcher')).toEqual(before);
    const created = await post('/groups', { name: 'no-strategy', targets: 'gpt-4o-mini' });
    expect(created.status).toBe(422);
    expect((await gw.ctx.db.select().from(modelGroups).all()).map((g) => g.name)).not.toContain('no-strategy');
  });

  test("a new group's name follows the API's rule: markup, a slash or 1,000 characters are refused inline", async () => {
    const form = { strategy: 'heuristic', targets: 'gpt-4o-mini', logic_level: '', primary_use: '', rules: '' };
    for (const name of ['<b>x</b>', 'a/b', 'g'.repeat(1000), '']) {
      const r = await post('/groups', { ...form, name });
      expect({ name, status: r.status }).toEqual({ name, status: 422 });
      expect(await textOf(await r.text(), '.form-errors')).toContain('Group names are 1-100 letters');
    }
    expect((await gw.ctx.db.select().from(modelGroups).all()).map((g) => g.name).filter((n) => !SEEDED.has(n))).toEqual([]);
    expect((await post('/groups', { ...form, name: 'qa.group:1' })).status).toBe(200);
  });

  test('a primary use past the API\'s 500 characters is refused inline by the form too, and nothing is saved', async () => {
    const before = await getGroup(gw.ctx, 'dispatcher');
    const r = await post('/groups/dispatcher', { ...CLASSIFIER_FORM, primary_use: 'p'.repeat(501) });
    expect(r.status).toBe(422);
    expect(await textOf(await r.text(), '#group-dispatcher .form-errors li')).toBe("Primary use is 501 characters long; at most 500 are allowed.");
    expect(await getGroup(gw.ctx, 'dispatcher')).toEqual(before);
    expect((await post('/groups/dispatcher', { ...CLASSIFIER_FORM, primary_use: 'p'.repeat(500) })).status).toBe(200);
    expect((await getGroup(gw.ctx, 'dispatcher')).primary_use).toBe('p'.repeat(500));
  });

  test('rules that are not JSON are refused inline saying what is wrong and where, not in the JS engine\'s words', async () => {
    const rules = '[\n  {"name": "code", "kind": "keywords",\n   "words": [\'debug\'], "weight": 1}\n]';
    const r = await post('/groups/dispatcher', { ...CLASSIFIER_FORM, strategy: 'heuristic', rules });
    expect(r.status).toBe(422);
    expect(await textOf(await r.text(), '#group-dispatcher .form-errors li')).toBe(
      "Heuristic rules are not valid JSON: line 3, column 14: expected a value or ']', found a single quote (JSON strings take double quotes).",
    );
  });
});
