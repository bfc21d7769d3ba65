/**
 * Groups as admins change them through the admin API, with requests through the official openai
 * client: cycles and unusable settings refused on save (never a 500 at request time), an edit or
 * a delete while a request is in flight, and a classifier timeout saved before its limit existed.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelGroups } from '../../src/db/schema';
import { api, login, type Session } from '../helpers/admin-harness';
import { jsonResponse, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { answer, completion, useRoutingFakes, type P } from './routing-fakes';

setDefaultTimeout(30_000);

let fakes: Record<P, FakeUpstream>;
let gw: TestGateway;
let admin: Session;
useRoutingFakes(async (rig) => {
  ({ fakes, gw } = rig);
  admin = await login(gw, 'admin', 'test-admin-password');
});

const saveGroup = (method: 'POST' | 'PUT', name: string, body: Record<string, unknown>) =>
  api(gw, method, method === 'POST' ? '/api/groups' : `/api/groups/${name}`, { as: admin, body: method === 'POST' ? { name, ...body } : body });
const chat = (model: string, content = 'hello') => gw.openai().chat.completions.create({ model, messages: [{ role: 'user', content }] }).withResponse();

describe('recursive groups are refused on save', () => {
  test('a group naming itself, and an edit that closes a cycle; the groups keep serving', async () => {
    const self = await saveGroup('POST', 'loop-self', { strategy: 'heuristic', targets: ['loop-self'] });
    expect(self.status).toBe(400);
    expect((await self.json()).error).toMatchObject({ code: 'invalid_group', message: 'loop-self: cycle: loop-self > loop-self', param: 'targets' });

    expect((await saveGroup('POST', 'loop-a', { strategy: 'heuristic', targets: ['grok-4.3'] })).status).toBe(201);
    expect((await saveGroup('POST', 'loop-b', { strategy: 'heuristic', targets: ['loop-a', 'kimi-k2.6'] })).status).toBe(201);
    const closing = await saveGroup('PUT', 'loop-a', { strategy: 'heuristic', targets: ['loop-b'] });
    expect(closing.status).toBe(400);
    expect((await closing.json()).error.message).toContain('loop-a: cycle: loop-a > loop-b > loop-a');
    // A classifier may not be a group either (it must be one model).
    const viaClassifier = await saveGroup('PUT', 'loop-a', { strategy: 'classifier', targets: ['grok-4.3', 'kimi-k2.6'], settings: { classifier_model: 'loop-b' } });
    expect(viaClassifier.status).toBe(400);

    const { response } = await chat('loop-b');
    expect(response.headers.get('x-gophergate-route')).toBe('loop-b>loop-a>grok-4.3');
    expect((await api(gw, 'GET', '/api/groups/loop-a', { as: admin }).then((r) => r.json())).targets).toEqual(['grok-4.3']);
  });
});

describe('edits while a request is in flight', () => {
  test('the request finishes on the targets it was routed to; the next one sees the change', async () => {
    expect((await saveGroup('POST', 'in-flight', { strategy: 'heuristic', targets: ['grok-4.3', 'kimi-k2.6'] })).status).toBe(201);
    let reached!: () => void;
    const upstream = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    fakes.grok.handler = async () => {
      reached();
      await gate;
      return jsonResponse({ error: { message: 'overloaded' } }, 500);
    };
    const pending = chat('in-flight');
    await upstream;
    expect((await saveGroup('PUT', 'in-flight', { strategy: 'heuristic', targets: ['deepseek-v4-pro'] })).status).toBe(200);
    expect((await api(gw, 'DELETE', '/api/groups/in-flight', { as: admin })).status).toBe(200);
    release();
    // Its fallback is the one it was routed with.
    const { data, response } = await pending;
    expect(data.model).toBe('kimi-k2.6');
    expect(response.headers.get('x-gophergate-route')).toBe('in-flight>kimi-k2.6');
    expect(await gw.waitForRow(response)).toMatchObject({ status: 200, route: 'in-flight>kimi-k2.6' });
    const gone = await apiError(chat('in-flight'));
    expect([gone.status, gone.code]).toEqual([404, 'model_not_found']);
  });
});

describe('classifier timeout_ms', () => {
  test('over 10 minutes is refused on save', async () => {
    const res = await saveGroup('POST', 'slow-cls', { strategy: 'classifier', targets: ['grok-4.3', 'kimi-k2.6'], settings: { classifier_model: 'gpt-5.4-nano', timeout_ms: 1e12 } });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: 'invalid_group', message: 'slow-cls: settings.timeout_ms must be a positive number of at most 600000 (10 minutes)', param: 'settings.timeout_ms' });
  });

  test("each refusal's param is the field at fault, not always targets", async () => {
    const targets = ['grok-4.3', 'kimi-k2.6'];
    const paramOf = async (body: Record<string, unknown>) => {
      const res = await saveGroup('POST', 'bad-field', { strategy: 'classifier', targets, ...body });
      expect(res.status).toBe(400);
      return (await res.json()).error.param;
    };
    expect(await paramOf({ settings: {} })).toBe('settings.classifier_model');
    expect(await paramOf({ settings: { classifier_model: 'gpt-5.4-nano', scale_min: 5, scale_max: 2 } })).toBe('settings.scale_max');
    expect(await paramOf({ settings: { classifier_model: 'gpt-5.4-nano', threshold: 'high' } })).toBe('settings.threshold');
    expect(await paramOf({ settings: { classifier_model: 'gpt-5.4-nano', rules: [{ kind: 'min_chars', chars: 'many' }] } })).toBe('settings.rules[0].chars');
    expect(await paramOf({ targets: ['no-such-model'], settings: { classifier_model: 'gpt-5.4-nano' } })).toBe('targets');
  });

  test('one saved before the limit waits for the classifier instead of abandoning it at once', async () => {
    // A timer past 2^31 - 1 ms fires after 1 ms: the classifier was abandoned before it could answer.
    const seeded = gw.ctx.state.getSnapshot().groups.get('dispatcher')!;
    gw.ctx.db.update(modelGroups).set({ settings: { ...seeded.settings, timeout_ms: 1e12 } }).where(eq(modelGroups.name, 'dispatcher')).run();
    gw.ctx.state.reload();
    try {
      fakes.openai.handler = async (req, rec, f) => {
        if (rec.body.model !== 'gpt-5.4-nano') return answer(req, rec, f);
        await Bun.sleep(50);
        return jsonResponse(completion('gpt-5.4-nano', '9'));
      };
      // The heuristic would take fast-flow for "hello"; the classifier's 9 takes heavy-logic.
      const { response } = await chat('dispatcher', 'hello (stored timeout)');
      expect(response.headers.get('x-gophergate-route')).toBe('dispatcher>heavy-logic>grok-4.3');
      const [cls] = await gw.waitForChildRows(response, 1);
      expect(cls).toMatchObject({ endpoint: 'classifier', status: 200 });
    } finally {
      gw.ctx.db.update(modelGroups).set({ settings: seeded.settings }).where(eq(modelGroups.name, 'dispatcher')).run();
      gw.ctx.state.reload();
    }
  });
});

describe('a group naming a model that is gone', () => {
  test('after a restart without its LLM_PROXY__PROVIDERS__<P>__MODELS id: routed past, and no block on other edits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gophergate-stale-group-'));
    const env = (models: Record<string, string>) => ({
      LLM_PROXY__DATABASE__PATH: join(dir, 'gophergate.db'),
      ...providerEnv('grok', `${fakes.grok.url}/v1`, models),
      ...providerEnv('moonshot', `${fakes.moonshot.url}/v1`),
    });
    try {
      const first = await startGateway({ env: env({ LLM_PROXY__PROVIDERS__GROK__MODELS: 'grok-extra' }) });
      const firstAdmin = await login(first, 'admin', 'test-admin-password');
      const made = await api(first, 'POST', '/api/groups', { as: firstAdmin, body: { name: 'with-extra', strategy: 'heuristic', targets: ['grok-extra', 'kimi-k2.6'] } });
      expect(made.status).toBe(201);
      await first.close();

      // The operator dropped grok-extra from the environment and restarted.
      const again = await startGateway({ env: env({}) });
      try {
        const as = await login(again, 'admin', 'test-admin-password');
        const { data, response } = await again.openai().chat.completions.create({ model: 'with-extra', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
        expect(data.model).toBe('kimi-k2.6');
        expect(response.headers.get('x-gophergate-route')).toBe('with-extra>kimi-k2.6');

        // Another group's edit is not refused for the stale one's problem...
        const other = await api(again, 'POST', '/api/groups', { as, body: { name: 'unrelated', strategy: 'heuristic', targets: ['grok-4.3'] } });
        expect(other.status).toBe(201);
        expect((await api(again, 'PUT', '/api/groups/unrelated', { as, body: { strategy: 'heuristic', targets: ['kimi-k2.6'] } })).status).toBe(200);
        // ...but saving the stale group as it is, or a new group naming the gone model, is.
        const keep = await api(again, 'PUT', '/api/groups/with-extra', { as, body: { strategy: 'heuristic', targets: ['grok-extra', 'kimi-k2.6'] } });
        expect(keep.status).toBe(400);
        expect((await keep.json()).error).toMatchObject({ code: 'invalid_group', message: "with-extra: unknown target 'grok-extra': not a model id, provider/model or group" });
        const naming = await api(again, 'POST', '/api/groups', { as, body: { name: 'also-extra', strategy: 'heuristic', targets: ['grok-extra'] } });
        expect(naming.status).toBe(400);
        // Deleting a group still may not leave another pointing at nothing.
        expect((await api(again, 'POST', '/api/groups', { as, body: { name: 'outer', strategy: 'heuristic', targets: ['unrelated'] } })).status).toBe(201);
        const orphaning = await api(again, 'DELETE', '/api/groups/unrelated', { as });
        expect(orphaning.status).toBe(400);
        expect((await orphaning.json()).error.message).toBe("outer: unknown target 'unrelated': not a model id, provider/model or group");
        expect((await api(again, 'PUT', '/api/groups/with-extra', { as, body: { strategy: 'heuristic', targets: ['kimi-k2.6'] } })).status).toBe(200);
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('seeded groups', () => {
  test('cannot be deleted (the seed would add them back at the next start): 409 group_seeded; their edits survive a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gophergate-seeded-group-'));
    const env = { LLM_PROXY__DATABASE__PATH: join(dir, 'gophergate.db'), ...providerEnv('grok', `${fakes.grok.url}/v1`) };
    try {
      const first = await startGateway({ env });
      const as = await login(first, 'admin', 'test-admin-password');
      const del = await api(first, 'DELETE', '/api/groups/dispatcher', { as });
      expect(del.status).toBe(409);
      expect((await del.json()).error).toMatchObject({ code: 'group_seeded', param: 'name' });
      // Still targeted by dispatcher: that refusal comes first.
      expect((await (await api(first, 'DELETE', '/api/groups/fast-flow', { as })).json()).error.code).toBe('invalid_group');
      const edited = await api(first, 'PUT', '/api/groups/gemini-auto', { as, body: { strategy: 'heuristic', targets: ['grok-4.3'] } });
      expect(edited.status).toBe(200);
      await first.close();

      const again = await startGateway({ env });
      try {
        const as2 = await login(again, 'admin', 'test-admin-password');
        expect((await api(again, 'GET', '/api/groups/dispatcher', { as: as2 })).status).toBe(200);
        expect((await (await api(again, 'GET', '/api/groups/gemini-auto', { as: as2 })).json()).targets).toEqual(['grok-4.3']);
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a user-defined heuristic group', () => {
  test('keywords of a coding router (c++, c#, .net) move the request to its strong target', async () => {
    const rules = [{ name: 'languages', kind: 'keywords', words: ['c++', 'c#', '.net'], weight: 1 }];
    expect((await saveGroup('POST', 'lang-router', { strategy: 'heuristic', targets: ['grok-4.3', 'kimi-k2.6'], settings: { rules } })).status).toBe(201);
    for (const prompt of ['Port this C++ class', 'Is C# garbage collected?', 'Deploy my .NET app'])
      expect([prompt, (await chat('lang-router', prompt)).response.headers.get('x-gophergate-route')]).toEqual([prompt, 'lang-router>kimi-k2.6']);
    const plain = await chat('lang-router', 'Write a haiku');
    expect(plain.response.headers.get('x-gophergate-route')).toBe('lang-router>grok-4.3');
    expect(plain.response.headers.get('x-gophergate-route-reason')).toBe('lang-router: heuristic: no rule matched -> grok-4.3');
  });
});

describe('a regex rule with catastrophic backtracking', () => {
  test('is refused on save; one stored before never runs, so a prompt cannot stall the gateway', async () => {
    const rules = [{ name: 'as', kind: 'regex', pattern: '(a+)+$' }];
    const refused = await saveGroup('POST', 'redos', { strategy: 'heuristic', targets: ['grok-4.3', 'kimi-k2.6'], settings: { rules } });
    expect(refused.status).toBe(400);
    const error = (await refused.json()).error;
    expect(error.message).toContain('settings.rules[0].pattern repeats a part that itself repeats');
    expect(error.param).toBe('settings.rules[0].pattern');

    gw.ctx.db.insert(modelGroups).values({ name: 'redos-stored', strategy: 'heuristic', targets: ['grok-4.3', 'kimi-k2.6'], settings: { rules }, updatedAt: Date.now() }).run();
    gw.ctx.state.reload();
    // 40 characters that almost match: (a+)+$ would backtrack for hours on the one event loop.
    const { response } = await chat('redos-stored', `${'a'.repeat(40)}!`);
    expect(response.headers.get('x-gophergate-route')).toBe('redos-stored>grok-4.3');
  });

  test('so is a repeated choice whose branches start alike ((a|aa)*: 2^n ways to split a prompt); a stored one never runs', async () => {
    const rules = [{ name: 'as', kind: 'regex', pattern: '^(a|aa)*$' }];
    const refused = await saveGroup('POST', 'redos-choice', { strategy: 'heuristic', targets: ['grok-4.3', 'kimi-k2.6'], settings: { rules } });
    expect(refused.status).toBe(400);
    expect((await refused.json()).error).toMatchObject({ code: 'invalid_group', message: expect.stringContaining('settings.rules[0].pattern repeats a choice whose branches may start alike') });
    const classOf = [{ name: 'sep', kind: 'regex', pattern: '(foo|bar)+' }];
    expect((await saveGroup('POST', 'choice-ok', { strategy: 'heuristic', targets: ['grok-4.3', 'kimi-k2.6'], settings: { rules: classOf } })).status).toBe(201);

    gw.ctx.db.insert(modelGroups).values({ name: 'redos-choice-stored', strategy: 'heuristic', targets: ['grok-4.3', 'kimi-k2.6'], settings: { rules }, updatedAt: Date.now() }).run();
    gw.ctx.state.reload();
    // 60 characters that almost match: ^(a|aa)*$ would try every way to split them (~10^12) on the one event loop.
    const { response } = await chat('redos-choice-stored', `${'a'.repeat(60)}!`);
    expect(response.headers.get('x-gophergate-route')).toBe('redos-choice-stored>grok-4.3');
  });
});
