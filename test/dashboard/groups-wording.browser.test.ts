/**
 * Refusals on the Groups (and Models) page in the dashboard's words, in real headless Chromium:
 * no API route to use instead ("use PUT /api/groups/<name>"), a group setting named by its label
 * on the form, and shown under the field they name. The /api answers keep their own messages. Also what the New group form does
 * before and after it sends: the browser's own name check, and the new card in the list at once.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { htmxSettled, navTo } from '../browser-helpers/dashboard-gateway';
import { focusSettles, refusalAt } from '../browser-helpers/refusal-placement';

setDefaultTimeout(60_000);

const ADMIN_PW = 'groups-wording-password-1';

describe.skipIf(!chromiumAvailable() && !process.env.CI)('Groups refusals in the dashboard\u2019s words', () => {
  const s = useDashboardSuite(ADMIN_PW);

  /** An /api call with a bearer token of the admin. */
  async function api(method: string, path: string, body: unknown): Promise<{ status: number; json: { error: { code: string; message: string } } }> {
    const login = await fetch(`${s.env.gw.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PW }) });
    const { token } = (await login.json()) as { token: string };
    const r = await fetch(`${s.env.gw.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as { error: { code: string; message: string } } };
  }

  /** Sends the New group form with this name (and a target), refused: where and how the refusal shows. */
  async function refusedNewGroup(name: string) {
    const { page } = s;
    await navTo(page, 'Model groups', 'groups');
    await page.click('#group_new-box summary');
    await page.fill('#group_new input[name=name]', name);
    await page.fill('#group_new textarea[name=targets]', 'gpt-4o-mini');
    await page.click('#group_new button:text-is("Create group")');
    await page.waitForSelector('#group_new .form-errors');
    await focusSettles(page, '#group_new', 'name');
    return refusalAt(page, '#group_new', 'name');
  }

  test('a new group with a taken name says to edit its card, not which API route to call', async () => {
    const { page } = s;
    // Under the Name field, which is marked and has the focus.
    expect(await refusedNewGroup('openai-auto')).toEqual({
      invalid: 'true', message: "A model group named 'openai-auto' exists; change it with Edit on its card, or choose another name.",
      underField: true, focused: true, elsewhere: 0,
    });
    // What was typed stays.
    expect(await page.inputValue('#group_new input[name=name]')).toBe('openai-auto');

    const r = await api('POST', '/api/groups', { name: 'openai-auto', strategy: 'heuristic', targets: ['gpt-4o-mini'] });
    expect({ status: r.status, code: r.json.error.code, message: r.json.error.message }).toEqual({
      status: 409, code: 'group_exists', message: "A model group named 'openai-auto' exists; use PUT /api/groups/openai-auto to change it.",
    });
  });

  test('a new group named like a taken one but for letter case is refused under Name, naming the taken one', async () => {
    expect(await refusedNewGroup('OpenAI-Auto')).toEqual({
      invalid: 'true',
      message: "A model group named 'openai-auto' exists: 'OpenAI-Auto' differs from it only in letter case, and names are case-sensitive, so the two would be mistaken for each other; change it with Edit on its card, or choose another name.",
      underField: true, focused: true, elsewhere: 0,
    });
    expect(await s.page.locator('#group-OpenAI-Auto').count()).toBe(0);
  });

  test('a group setting out of range is named by its label on the form', async () => {
    const { page } = s;
    await navTo(page, 'Model groups', 'groups');
    await page.click('#group-openai-auto summary');
    await page.fill('#group-openai-auto input[name=logic_level]', '0');
    await page.click('#group-openai-auto button:text-is("Save changes")');
    await page.waitForSelector('#group-openai-auto .form-errors');
    expect(await page.textContent('#group-openai-auto .form-errors')).toBe('openai-auto: Logic level must be an integer from 1 to 10');
    // (/api refuses a logic_level of 0 by its schema before the group check, in its own words.)
  });

  test('a refusal about one field of a group\'s editor is under that field, which is marked and has the focus', async () => {
    const { page } = s;
    await navTo(page, 'Model groups', 'groups');
    // Rules that are not JSON.
    await page.click('#group-openai-auto summary');
    await page.fill('#group-openai-auto textarea[name=rules]', '[{');
    await page.click('#group-openai-auto button:text-is("Save changes")');
    await page.waitForSelector('#group-openai-auto .form-errors');
    await focusSettles(page, '#group-openai-auto', 'rules');
    expect(await refusalAt(page, '#group-openai-auto', 'rules')).toMatchObject({ invalid: 'true', underField: true, focused: true, elsewhere: 0 });
    // In words, with where: not the JS engine's "JSON Parse error: Expected '}'".
    expect((await refusalAt(page, '#group-openai-auto', 'rules')).message).toBe("Heuristic rules are not valid JSON: line 1, column 3: expected a property name in double quotes, or '}', found the end of the text.");
    // A group set's problems name no one field: listed at the form's top, no field marked.
    await page.fill('#group-openai-auto textarea[name=rules]', '');
    await page.fill('#group-openai-auto textarea[name=targets]', 'no-such-model-xyz');
    await page.click('#group-openai-auto button:text-is("Save changes")');
    // The new refusal, not the rules' one still on the page from before.
    await page.locator('#group-openai-auto form > .form-errors', { hasText: 'unknown target' }).waitFor();
    expect(await page.locator('#group-openai-auto [aria-invalid]').count()).toBe(0);
    expect(await page.textContent('#group-openai-auto form > .form-errors')).toContain("unknown target 'no-such-model-xyz'");
  });

  test('a model id already taken says to change it in its row, not which API route to call', async () => {
    const { page } = s;
    await navTo(page, 'Models', 'models');
    await page.fill('#model_create input[name=id]', 'gpt-4o');
    await page.selectOption('#model_create select[name=provider]', 'openai');
    await page.fill('#model_create input[name=input_price]', '1');
    await page.fill('#model_create input[name=output_price]', '2');
    await page.click('#model_create button:text-is("Add model")');
    await page.waitForSelector('#model_create .form-errors');
    expect(await page.textContent('#model_create .form-errors')).toBe("A model 'gpt-4o' exists; change it in its row of the list, or choose another id.");

    const r = await api('POST', '/api/models', { id: 'gpt-4o', provider: 'openai', input_price: 1, output_price: 2 });
    expect({ status: r.status, code: r.json.error.code }).toEqual({ status: 409, code: 'model_exists' });
    expect(r.json.error.message).toContain('use PATCH /api/models/gpt-4o to change it.');
  });
  test("a new group's name with a space is stopped by the browser's own check, with no console error", async () => {
    // The name's pattern was written for the old regex syntax: Chromium compiles a pattern with
    // the `v` flag, where a bare `-` in a class is an error, so it logged one on every submit and
    // checked nothing (the name went to the server to be refused there).
    const { page, watch } = s;
    const before = watch.problems.length;
    await navTo(page, 'Model groups', 'groups');
    await page.click('#group_new-box summary');
    await page.fill('#group_new input[name=name]', 'has space');
    await page.fill('#group_new textarea[name=targets]', 'gpt-4o-mini');
    const sent: string[] = [];
    const onRequest = (r: { method(): string; url(): string }) => { if (r.method() === 'POST') sent.push(r.url()); };
    page.on('request', onRequest);
    await page.click('#group_new button:text-is("Create group")');
    expect(await page.$eval('#group_new input[name=name]', (i) => (i as HTMLInputElement).validity.patternMismatch)).toBe(true);
    // As the API: a letter or digit first.
    await page.fill('#group_new input[name=name]', '.lead');
    expect(await page.$eval('#group_new input[name=name]', (i) => (i as HTMLInputElement).validity.patternMismatch)).toBe(true);
    // A name the pattern takes (every character the API allows) is valid.
    await page.fill('#group_new input[name=name]', 'Team.A_b:c-9');
    expect(await page.$eval('#group_new input[name=name]', (i) => (i as HTMLInputElement).validity.valid)).toBe(true);
    page.off('request', onRequest);
    expect(sent).toEqual([]);
    expect(watch.problems.slice(before)).toEqual([]);
  });
  test('a group created on the page is in the list at once, its card editable, without a reload', async () => {
    const { page } = s;
    await navTo(page, 'Model groups', 'groups');
    await page.click('#group_new-box summary');
    await page.fill('#group_new input[name=name]', 'made-here');
    await page.fill('#group_new textarea[name=targets]', 'gpt-4o-mini');
    await page.click('#group_new button:text-is("Create group")');
    await page.waitForSelector('#group_new-box .saved');
    expect(await page.textContent('#group_new-box .saved')).not.toContain('Reload');
    // The card is there, in name order, and its editor saves.
    await page.locator('#group-made-here').waitFor({ timeout: 3_000 });
    // Its form is htmx's once the swap settles: a Save clicked before that posts natively.
    await htmxSettled(page);
    const names = await page.$$eval('.group-grid .group .card-title', (hs) => hs.map((h) => h.textContent));
    expect(names).toEqual([...names].sort());
    await page.click('#group-made-here summary');
    await page.fill('#group-made-here input[name=primary_use]', 'made on the page');
    await page.click('#group-made-here button:text-is("Save changes")');
    await page.waitForSelector('#group-made-here .saved');
    expect(await page.textContent('#group-made-here .muted.small')).toBe('made on the page');
    // The Try routing box offers it too.
    expect(await page.$$eval('#group-names option', (os) => os.map((o) => (o as HTMLOptionElement).value))).toContain('made-here');
  });
});
