/**
 * The dashboard's client key pickers (the Logs page's Client filter and its suggestions,
 * /clients/choices) with names outside ASCII, on SQLite and on PostgreSQL with the C locale (the
 * server's default here) and with en-US: a key named "Ärzte-Bot" is suggested for "ä" and "Ä"
 * and found when typed as "ärzte-bot", on every store alike. Before, each store's lower() and
 * LIKE decided: SQLite's (and PostgreSQL's under C) fold ASCII only, so "Ä" suggested nothing and
 * the typed name was refused, while PostgreSQL under en-US found the key.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { ADMIN_PASSWORD, api, login, type Session } from '../helpers/admin-harness';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

const NAMES = ['Ärzte-Bot', 'ärzte-intern', 'Ωmega', 'alpha', 'Équipe (decomposed)'.normalize('NFD')];

describe('client key pickers with names outside ASCII', () => {
  const dbs: TestDatabase[] = [];
  const sides: { label: string; gw: TestGateway; admin: Session; ids: Map<string, number> }[] = [];

  beforeAll(async () => {
    for (const icu of [null, undefined, 'en-US'] as const) {
      const db = icu === null ? null : await createTestDatabase('qa_dash_pg_names', icu ? { icuLocale: icu } : {});
      if (db) dbs.push(db);
      const gw = await startGateway({ env: db ? { LLM_PROXY__DATABASE__URL: db.url } : {} });
      const admin = await login(gw, 'admin', ADMIN_PASSWORD);
      const ids = new Map<string, number>();
      for (const name of NAMES) ids.set(name, ((await (await api(gw, 'POST', '/api/clients', { as: admin, body: { name } })).json()) as any).id);
      sides.push({ label: db ? `postgres ${icu ?? 'C'}` : 'sqlite', gw, admin, ids });
    }
  }, 60_000);
  afterAll(async () => {
    for (const s of sides) await s.gw.close();
    for (const db of dbs) await db.drop();
  });

  const choices = async (s: (typeof sides)[number], q: string) =>
    ((await (await fetch(`${s.gw.url}/clients/choices?q=${encodeURIComponent(q)}`, { headers: { cookie: s.admin.cookie } })).json()) as any).data.map((c: any) => c.value);

  test('suggestions for the start of a name, in either case', async () => {
    for (const s of sides) {
      const id = (name: string) => s.ids.get(name);
      const got = { store: s.label, lower: await choices(s, 'ä'), upper: await choices(s, 'Ä'), whole: await choices(s, 'ÄRZTE-B'), omega: await choices(s, 'ω'), e: await choices(s, 'é') };
      expect(got).toEqual({
        store: s.label,
        lower: [`Ärzte-Bot (#${id('Ärzte-Bot')})`, `ärzte-intern (#${id('ärzte-intern')})`],
        upper: [`Ärzte-Bot (#${id('Ärzte-Bot')})`, `ärzte-intern (#${id('ärzte-intern')})`],
        whole: [`Ärzte-Bot (#${id('Ärzte-Bot')})`],
        omega: [`Ωmega (#${id('Ωmega')})`],
        // Typed composed (as keyboards send it), stored decomposed (as a script may have sent it).
        e: [`${NAMES[4]} (#${id(NAMES[4]!)})`],
      });
    }
  });

  test('the Logs page reads a name typed in another case as that key', async () => {
    for (const s of sides) {
      for (const [typed, name] of [['ärzte-bot', 'Ärzte-Bot'], ['ΩMEGA', 'Ωmega'], ['ALPHA', 'alpha']]) {
        const html = await (await fetch(`${s.gw.url}/logs?client=${encodeURIComponent(typed!)}`, { headers: { cookie: s.admin.cookie } })).text();
        const value = /id="logs-client"[^>]*value="([^"]*)"/.exec(html)?.[1];
        expect({ store: s.label, typed, value, refused: html.includes('No client key is named') })
          .toEqual({ store: s.label, typed, value: `${name} (#${s.ids.get(name!)})`, refused: false });
      }
    }
  });

  test('a key stored without a name key, or renamed, by an earlier release is found, and gets its key at the next start', async () => {
    const s = sides[1]!;
    const legacy = ((await (await api(s.gw, 'POST', '/api/clients', { as: s.admin, body: { name: 'Öl-Legacy' } })).json()) as any).id;
    await s.gw.ctx.store.run('UPDATE clients SET name_key = NULL WHERE id = ?', [legacy]);
    // Renamed by an earlier release's instance: the name changed, its key did not.
    const renamed = ((await (await api(s.gw, 'POST', '/api/clients', { as: s.admin, body: { name: 'old-name' } })).json()) as any).id;
    await s.gw.ctx.store.run("UPDATE clients SET name = 'Über-Renamed' WHERE id = ?", [renamed]);
    // Without one, by the store's lower(), as before.
    expect(await choices(s, 'Öl-LEGACY')).toEqual([`Öl-Legacy (#${legacy})`]);
    expect(await choices(s, 'ÖL-LEG')).toEqual([`Öl-Legacy (#${legacy})`]);
    const next = await startGateway({ env: { LLM_PROXY__DATABASE__URL: dbs[0]!.url } });
    try {
      expect(await next.ctx.store.all('SELECT name_key FROM clients WHERE id = ?', [legacy])).toEqual([{ name_key: 'öl-legacy' }]);
      expect(await next.ctx.store.all('SELECT name_key FROM clients WHERE id = ?', [renamed])).toEqual([{ name_key: 'über-renamed' }]);
      const r = await fetch(`${next.url}/clients/choices?q=${encodeURIComponent('öl')}`, { headers: { cookie: s.admin.cookie } });
      expect(((await r.json()) as any).data.map((c: any) => c.value)).toEqual([`Öl-Legacy (#${legacy})`]);
    } finally {
      await next.close();
    }
  });
});
