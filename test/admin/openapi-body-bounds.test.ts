/**
 * /swagger/json's request bodies against what the admin API takes, the way round the contract
 * test (openapi-contract.test.ts) does not walk: every value a body schema ACCEPTS at its edges
 * (each enum value, null where nullable, the minimum and maximum, a large number where no maximum
 * is given, the longest string, a string with a space or a non-ASCII letter where no pattern or
 * format is given) is taken by the route, or refused for a rule the document states in words (a weak
 * password, a team or group that must exist, a name that is taken). A bound the route enforces but
 * the document leaves out (rpm up to 1,000,000,000; a username's characters; expires_at a
 * timestamp) would have a generated client or a script validating against the document send what
 * is refused. And an out-of-range value of a nullable field is told its range, not "should be one
 * of: 'integer', 'null'" (TypeBox's words for any value outside a union, -5 included).
 */
import { beforeAll, expect, test } from 'bun:test';
import { ADMIN_PASSWORD, api, login, type Session } from '../helpers/admin-harness';
import { useGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
useGateway((g) => (gw = g));
let admin: Session;
let doc: { paths: Record<string, Record<string, any>> };
beforeAll(async () => {
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
  doc = (await (await fetch(`${gw.url}/swagger/json`)).json()) as typeof doc;
});

let serial = 0;
const unique = (what: string) => `bounds-${what}-${++serial}`;
const created = async (path: string, body: object, key = 'id') => {
  const r = await api(gw, 'POST', path, { as: admin, body });
  if (r.status !== 201) throw new Error(`POST ${path}: ${r.status} ${await r.text()}`);
  return ((await r.json()) as Record<string, string | number>)[key];
};
const user = () => ({ username: unique('user'), password: 'a-long-enough-passphrase', role: 'viewer' });
const model = () => ({ id: unique('model'), provider: 'openai', input_price: 1, output_price: 2 });
const group = () => ({ name: unique('group'), strategy: 'heuristic', targets: ['gpt-4o'] });

/** A valid request of every /api operation with a JSON body: its URL and body (fresh objects each call). */
const SAMPLES: Record<string, () => Promise<[string, object]>> = {
  'POST /api/auth/login': async () => ['/api/auth/login', { username: 'admin', password: ADMIN_PASSWORD }],
  'POST /api/clients': async () => ['/api/clients', { name: unique('client') }],
  'PATCH /api/clients/{id}': async () => [`/api/clients/${await created('/api/clients', { name: unique('client') })}`, {}],
  'POST /api/teams': async () => ['/api/teams', { name: unique('team') }],
  'PATCH /api/teams/{id}': async () => [`/api/teams/${await created('/api/teams', { name: unique('team') })}`, {}],
  'POST /api/users': async () => ['/api/users', user()],
  'PATCH /api/users/{id}': async () => [`/api/users/${await created('/api/users', user())}`, {}],
  'PATCH /api/providers/{id}': async () => ['/api/providers/deepseek', {}],
  'POST /api/providers/{id}/keys': async () => ['/api/providers/gemini/keys', { key: `key-${unique('pool')}-0123456789` }],
  'PATCH /api/providers/{id}/keys/{key_id}': async () => [`/api/providers/gemini/keys/${await created('/api/providers/gemini/keys', { key: `key-${unique('pool')}-0123456789` })}`, {}],
  'POST /api/models': async () => ['/api/models', model()],
  'PATCH /api/models/{id}': async () => [`/api/models/${await created('/api/models', model())}`, {}],
  'POST /api/groups': async () => ['/api/groups', group()],
  'PUT /api/groups/{name}': async () => {
    const { name: _, ...body } = group();
    return [`/api/groups/${await created('/api/groups', group(), 'name')}`, body];
  },
  'POST /api/groups/try': async () => ['/api/groups/try', { model: 'fast-flow', prompt: 'hi' }],
};

/**
 * Refusals of a value the schema accepts that the document states in words (the operation's
 * description, or the README it points to): by error code, or by `METHOD path field` for a rule
 * on a field's text no JSON Schema keyword says (a URL that parses, a key of printable ASCII).
 */
const STATED_CODES = new Set(['weak_password', 'team_not_found', 'invalid_group', 'username_taken', 'team_exists', 'model_exists', 'group_exists', 'duplicate_provider_key', 'model_not_found']);
const STATED_FIELDS = new Set([
  'PATCH /api/users/{id} must_change_password', // only with `password`
  'PATCH /api/providers/{id} base_url', // an absolute http(s) URL
  'PATCH /api/providers/{id} api_key', // printable ASCII
  'POST /api/providers/{id}/keys key', // printable ASCII, long enough to be a key
  'PUT /api/groups/{name} name', // the path's own name: groups are not renamed
  'POST /api/auth/login username', // a wrong username or password is a 401
  'POST /api/auth/login password',
  'POST /api/auth/change-password current_password',
]);

const typesOf = (s: any): string[] => (Array.isArray(s.type) ? s.type : s.type ? [s.type] : []);
/** Values `s` accepts at its edges. */
function acceptedEdges(s: any): unknown[] {
  const types = typesOf(s);
  const out: unknown[] = [...(s.enum ?? [])];
  if (types.includes('null')) out.push(null);
  if (types.includes('boolean')) out.push(true, false);
  if (types.includes('integer')) out.push(s.minimum ?? 0, s.maximum ?? 2 ** 31);
  if (types.includes('number')) out.push(s.minimum ?? 0, s.maximum ?? 1e12, 0.125);
  if (types.includes('string') && !s.enum) {
    if (s.format === 'date-time') out.push('2027-01-01T00:00:00Z');
    else if (!s.pattern && !s.format) out.push('a'.repeat(Math.max(s.minLength ?? 0, 1)) + ' b é'.slice(0, Math.max(0, (s.maxLength ?? 64) - 1)), 'x'.repeat(s.maxLength ?? 64));
    else out.push('a'.repeat(s.maxLength ?? 64));
  }
  if (types.includes('array') && !s.minItems) out.push([]);
  return out;
}
const jsonBodyOps = () =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([, op]) => path.startsWith('/api/') && op.requestBody?.content?.['application/json'])
      .map(([m, op]): [string, any] => [`${m.toUpperCase()} ${path}`, op.requestBody.content['application/json'].schema]),
  );

test('every value a documented /api body accepts is taken, or refused for a rule the document states', async () => {
  const out: string[] = [];
  let tried = 0;
  for (const [op, schema] of jsonBodyOps()) {
    const sample = SAMPLES[op];
    if (!sample) { if (op !== 'POST /api/auth/change-password') out.push(`${op}: no sample in SAMPLES`); continue; }
    for (const [field, fs] of Object.entries<any>(schema.properties ?? {})) {
      for (const value of acceptedEdges(fs)) {
        const [url, body] = await sample();
        const r = await api(gw, op.split(' ')[0]!, url, { as: admin, body: { ...body, [field]: value } });
        tried++;
        if (r.status < 400) continue;
        const { error } = (await r.json()) as { error: { param: string | null; code: string; message: string } };
        if (error.param !== field || STATED_CODES.has(error.code) || STATED_FIELDS.has(`${op} ${field}`)) continue;
        out.push(`${op} ${field}=${JSON.stringify(value).slice(0, 40)}: ${r.status} ${error.message}`);
      }
    }
  }
  expect(tried).toBeGreaterThan(150);
  expect(out).toEqual([]);
}, 60_000);

test("an out-of-range value of a nullable number field is told the field's range, not its types", async () => {
  const out: string[] = [];
  let tried = 0;
  for (const [op, schema] of jsonBodyOps()) {
    const sample = SAMPLES[op];
    if (!sample) continue;
    for (const [field, fs] of Object.entries<any>(schema.properties ?? {})) {
      const types = typesOf(fs);
      if (!types.includes('null') || !(types.includes('integer') || types.includes('number'))) continue;
      const bounds: [number, number][] = [];
      if (fs.minimum !== undefined) bounds.push([fs.minimum - 1, fs.minimum]);
      if (fs.maximum !== undefined) bounds.push([fs.maximum + 1, fs.maximum]);
      for (const [value, bound] of bounds) {
        const [url, body] = await sample();
        const r = await api(gw, op.split(' ')[0]!, url, { as: admin, body: { ...body, [field]: value } });
        tried++;
        const { error } = (await r.json()) as { error: { param: string | null; message: string } };
        const told = error.message.includes(String(bound)) || error.message.includes(bound.toLocaleString('en-US'));
        if (r.status !== 400 || error.param !== field || !told) out.push(`${op} ${field}=${value}: ${r.status} ${error.param} ${error.message}`);
      }
    }
  }
  expect(tried).toBeGreaterThan(30);
  expect(out).toEqual([]);
}, 60_000);

test('a nullable field given a value of another type, or out of its range, is told what it takes', async () => {
  const cases: [string, object, string, string][] = [
    ['/api/clients', { rpm: -5 }, 'rpm', 'must be a whole number from 1 to 1,000,000,000, or null for no limit.'],
    ['/api/clients', { rpm: '5' }, 'rpm', 'must be a whole number from 1 to 1,000,000,000, or null for no limit.'],
    ['/api/clients', { max_parallel: 1_000_000_001 }, 'max_parallel', 'must be a whole number from 1 to 1,000,000,000, or null for no limit.'],
    ['/api/clients', { expires_at: 5 }, 'expires_at', 'must be an ISO 8601 timestamp with a zone'],
    ['/api/clients', { expires_at: 'tomorrow' }, 'expires_at', 'must be an ISO 8601 timestamp with a zone'],
    ['/api/teams', { tpm: 0 }, 'tpm', 'must be a whole number from 1 to 1,000,000,000'],
    ['/api/groups', { ...group(), logic_level: 11 }, 'logic_level', 'Expected integer to be less or equal to 10'],
  ];
  for (const [path, extra, param, message] of cases) {
    const r = await api(gw, 'POST', path, { as: admin, body: { name: unique('named'), ...extra } });
    const { error } = (await r.json()) as { error: { param: string; message: string } };
    expect({ path, status: r.status, param: error.param, told: error.message.includes(message) }).toEqual({ path, status: 400, param, told: true });
  }
  // The bounds are in the document, and a name's characters.
  const body = (path: string) => doc.paths[path]!.post.requestBody.content['application/json'].schema.properties;
  expect(body('/api/clients').rpm).toMatchObject({ minimum: 1, maximum: 1_000_000_000 });
  expect(body('/api/clients').expires_at).toMatchObject({ format: 'date-time' });
  expect(new RegExp(body('/api/users').username.pattern).test('vera.k@ops')).toBe(true);
});
