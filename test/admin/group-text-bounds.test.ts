/**
 * Over real HTTP, signed in as an admin: a group's `primary_use` has one bound (500 characters),
 * held by the admin API (400 naming the field, on POST and PUT) and by the dashboard's form alike;
 * a body that is not JSON (a group with hand-written rules, say) is refused in words saying what
 * is wrong and where, not in the JS engine's ("JSON Parse error: Unexpected identifier").
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import { PRIMARY_USE_MAX_CHARS } from '../../src/admin/groups-service';
import type { TestGateway } from '../helpers/start-gateway';
import { api, json, useAdminGateway, type Session } from '../helpers/admin-harness';

// Signs in (password hashing): seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(30_000);

let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => ({ gw, admin } = s), { env: { LLM_PROXY__PROVIDERS__OPENAI__API_KEY: 'sk-test-openai-0000' } });

const group = { strategy: 'heuristic', targets: ['gpt-4o-mini', 'gpt-4o'] };

test('primary_use: 500 characters are kept whole; 501 are a 400 naming primary_use, on POST and PUT', async () => {
  expect(PRIMARY_USE_MAX_CHARS).toBe(500);
  const longest = 'u'.repeat(500);
  const made = await api(gw, 'POST', '/api/groups', { as: admin, body: { name: 'use-bound', ...group, primary_use: longest } });
  expect(made.status).toBe(201);
  expect((await json(made)).primary_use).toBe(longest);
  for (const [method, path, extra] of [['POST', '/api/groups', { name: 'use-bound-2' }], ['PUT', '/api/groups/use-bound', {}]] as const) {
    const r = await api(gw, method, path, { as: admin, body: { ...extra, ...group, primary_use: `${longest}x` } });
    expect(r.status).toBe(400);
    const { error } = await json(r);
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'primary_use', message: "Invalid value for 'primary_use': must be text of at most 500 characters, or null for none." });
  }
  expect((await json(await api(gw, 'GET', '/api/groups/use-bound', { as: admin }))).primary_use).toBe(longest);
  expect((await api(gw, 'GET', '/api/groups/use-bound-2', { as: admin })).status).toBe(404);
});

/** POST /api/groups with this text as the body. */
async function sendText(text: string) {
  const r = await fetch(`${gw.url}/api/groups`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body: text });
  return { status: r.status, error: ((await r.json()) as any).error };
}

test('a body that is not JSON: 400 invalid_json saying what is wrong and where, in the admin shape', async () => {
  const rules = '{"name": "rules-typo", "strategy": "heuristic", "targets": ["gpt-4o"],\n "settings": {"rules": [{"kind": keywords, "words": ["proof"]}]}}';
  expect(await sendText(rules)).toEqual({
    status: 400,
    error: {
      type: 'invalid_request_error', code: 'invalid_json', param: null,
      message: "The request body is not valid JSON: line 2, column 34: expected a value (a string in double quotes, a number, true, false, null, an array or an object), found the bare word 'keywords' (text goes in double quotes; the only bare words are true, false and null).",
    },
  });
  const trailing = await sendText('{"name": "x", "strategy": "heuristic",\n  "targets": ["gpt-4o",]}');
  expect(trailing.error.message).toBe("The request body is not valid JSON: line 2, column 24: a comma before ']' with no item after it (remove that last comma).");
  for (const bad of ['{"name": "x"', "{'name': 'x'}", '{"name": "x"} extra']) {
    const r = await sendText(bad);
    expect(r.status).toBe(400);
    expect(r.error.code).toBe('invalid_json');
    expect(r.error.message).not.toContain('JSON Parse error');
    expect(r.error.message).toMatch(/^The request body is not valid JSON: line 1, column \d+: /);
  }
  expect((await api(gw, 'GET', '/api/groups/rules-typo', { as: admin })).status).toBe(404);
});
