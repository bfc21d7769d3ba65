/**
 * Property test over real HTTP, signed in to the dashboard as admin: every form the pages offer
 * (read from the pages themselves, so a new form is fuzzed too), posted with hostile values in its
 * fields, fields missing, repeated or unknown, with or without HTMX, answers in bounded time,
 * never 500, never with internals, and leaves the session working.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import fc from 'fast-check';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { checkOrCollect, nastyNumber, nastyString, FUZZ_SEED, fuzzRuns } from './fuzz-http-kit';

setDefaultTimeout(60_000);
const RUNS = fuzzRuns(300);
const SEED = FUZZ_SEED;
/** Never a 500, never internals (a stack, a source path, an error's name) in the page. */
function expectNoInternals(r: Response, text: string, what: string): void {
  expect(r.status, what).toBeLessThan(500);
  expect(/\bat [\w.<>]+ \(|\/src\/|node_modules|\.tsx?:\d+|TypeError|ReferenceError|\[object Object\]|undefined is not/.test(text), what).toBe(false);
}
const PAGES = ['/clients', '/teams', '/providers', '/models', '/groups', '/users', '/change-password'];
/** Forms left out: signing out, calling a provider over the network, and the admin's own account. */
const SKIP = /^\/logout$|\/test$|^\/users\/1\//;

interface Form { action: string; fields: [string, string][] }

let gw: TestGateway;
let cookie: string;
let csrf: string;
let forms: Form[] = [];

/** The post forms of a page: action and the named fields with the values they carry. */
function formsOf(html: string): Form[] {
  const out: Form[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const action = /\bmethod="post"/.test(m[1]!) ? /\baction="([^"]+)"/.exec(m[1]!)?.[1] : undefined;
    if (!action || SKIP.test(action)) continue;
    const fields: [string, string][] = [];
    for (const f of m[2]!.matchAll(/<(?:input|select|textarea)\b([^>]*)>/g)) {
      const name = /\bname="([^"]+)"/.exec(f[1]!)?.[1];
      if (name) fields.push([name, (/\bvalue="([^"]*)"/.exec(f[1]!)?.[1] ?? '').replaceAll('&#34;', '"').replaceAll('&amp;', '&')]);
    }
    out.push({ action: action.replaceAll('&amp;', '&'), fields });
  }
  return out;
}

beforeAll(async () => {
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
  const r = await fetch(`${gw.url}/login`, { method: 'POST', body: new URLSearchParams({ username: 'admin', password: 'test-admin-password' }), redirect: 'manual' });
  cookie = r.headers.get('set-cookie')!.split(';')[0]!;
  for (const p of PAGES) {
    const html = await (await fetch(`${gw.url}${p}`, { headers: { cookie } })).text();
    csrf ||= JSON.parse(/hx-headers="([^"]+)"/.exec(html)![1]!.replaceAll('&#34;', '"'))['x-csrf-token'];
    forms.push(...formsOf(html));
  }
  // The sign-in form (a user that does not exist, so the admin's own sign-in is never throttled).
  forms.push({ action: '/login', fields: [['username', 'nobody'], ['password', 'not-a-password']] });
  // One of each action is enough: the Models page has a form per model.
  forms = [...new Map(forms.map((f) => [f.action.replace(/\/models\/[^/]+$/, '/models/:id'), f])).values()];
});
afterAll(() => gw?.close());

const formValue = fc.oneof(nastyString, nastyNumber.map(String), fc.constantFrom('on', 'off', 'true', '', '-', '1,5', '1.5e3', '  7  ', '0x1F', '2026-02-30T00:00', '9'.repeat(400), 'x'.repeat(200_000)));

describe('every dashboard form, posted with hostile fields', () => {
  test('never 500, never internals, the session still works', async () => {
    expect(forms.length).toBeGreaterThan(10);
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('set', 'drop', 'repeat'), formValue), { maxLength: 4 }),
        fc.option(fc.tuple(fc.constantFrom('__proto__', 'constructor', 'unknown', '_csrf', 'name[]', ''), formValue), { freq: 3 }),
        fc.boolean(),
        async (pick, edits, extra, htmx) => {
          const form = forms[pick % forms.length]!;
          let fields = form.fields.map(([k, v]): [string, string] => [k, k === '_csrf' ? csrf : v]);
          for (const [i, how, v] of edits) {
            if (!fields.length) break;
            const at = i % fields.length;
            if (fields[at]![0] === '_csrf') continue;
            if (how === 'set') fields[at] = [fields[at]![0], v];
            else if (how === 'drop') fields = fields.filter((_, j) => j !== at);
            else fields.push([fields[at]![0], v]);
          }
          if (extra) fields.push(extra);
          const body = new URLSearchParams(fields.map(([k, v]) => [k, v.toWellFormed()]));
          const headers: Record<string, string> = { cookie, 'x-csrf-token': csrf, 'content-type': 'application/x-www-form-urlencoded' };
          if (htmx) Object.assign(headers, { 'hx-request': 'true', 'hx-target': 'main' });
          const r = await fetch(`${gw.url}${form.action}`, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
          const text = await r.text();
          const what = `POST ${form.action} ${body.toString().slice(0, 300)} -> ${r.status} ${text.slice(0, 400)}`;
          if (process.env.FUZZ_STATS) console.log('FUZZSTAT', form.action, r.status);
          await checkOrCollect(() => expectNoInternals(r, text, what), 900);
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
    const me = await fetch(`${gw.url}/clients`, { headers: { cookie } });
    expect(me.status).toBe(200);
  });
});

describe('every dashboard page, asked for with hostile query strings and ids', () => {
  const GET_PAGES = ['/', '/monitor', '/logs', '/logs/{}', '/clients', '/teams', '/providers', '/models', '/groups', '/groups/try', '/users', '/change-password'];
  const KEYS = ['page', 'limit', 'offset', 'q', 'model', 'provider', 'client', 'client_id', 'status', 'endpoint', 'from', 'to', 'range', 'view_provider', 'prompt', 'request_id', 'error', 'sort', '__proto__', 'toString'];
  const enc = (s: string) => [...s].map((ch) => (/^[\ud800-\udfff]$/.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch))).join('');
  test('never 500, never internals', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...GET_PAGES), formValue, fc.array(fc.tuple(fc.constantFrom(...KEYS), formValue), { maxLength: 4 }), fc.boolean(), async (page, id, q, htmx) => {
        const qs = q.map(([k, v]) => `${enc(k)}=${enc(v.slice(0, 4000))}`).join('&');
        const path = page.replace('{}', enc(id.slice(0, 4000))) + (qs ? `?${qs}` : '');
        const headers: Record<string, string> = { cookie };
        if (htmx) Object.assign(headers, { 'hx-request': 'true', 'hx-target': 'main' });
        const r = await fetch(`${gw.url}${path}`, { headers, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
        const text = await r.text();
        const what = `GET ${path.slice(0, 300)} -> ${r.status} ${text.slice(0, 300)}`;
        if (process.env.FUZZ_STATS) console.log('FUZZSTAT', page, r.status);
        await checkOrCollect(() => expectNoInternals(r, text, what), 900);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
