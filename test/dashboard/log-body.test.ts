/**
 * A kept body (LOGGING__STORE_BODIES) in the Logs detail. It was shown as stored, one line of JSON:
 * a multi-line answer read "Héllo\nline two" with its line breaks as `\n`, and a long request as one
 * unbroken run. The request is now indented and the answer shown as its text; a body of another
 * shape is still shown as stored.
 */
import { describe, expect, test } from 'bun:test';
import { requestLogs } from '../../src/db/schema';
import { bodyParts } from '../../src/dashboard/log-body';
import { ADMIN_PASSWORD, useAdminGateway } from '../helpers/admin-harness';
import type { TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
let cookie: string;
useAdminGateway(async (s) => {
  gw = s.gw;
  const r = await fetch(`${gw.url}/login`, { method: 'POST', body: new URLSearchParams({ username: 'admin', password: ADMIN_PASSWORD }), redirect: 'manual' });
  cookie = r.headers.get('set-cookie')!.split(';')[0]!;
});

const REQUEST = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hi <b>twice</b> 🌍' }] };
const ANSWER = 'Héllo 🌍\nline two\n\n  indented <script>x</script>';

/** The detail panel of a stored row with this body, as an admin's browser gets it. */
async function detailOf(body: string): Promise<string> {
  const id = gw.ctx.db.insert(requestLogs)
    .values({ createdAt: Date.now(), requestId: `body-${crypto.randomUUID()}`, endpoint: 'chat', modelRequested: 'gpt-4o-mini', provider: 'openai', status: 200, body })
    .returning({ id: requestLogs.id }).get().id;
  const r = await fetch(`${gw.url}/logs/${id}`, { headers: { cookie, 'hx-request': 'true', 'hx-target': 'log-detail' } });
  expect(r.status).toBe(200);
  return r.text();
}

const escaped = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

describe('a kept body in the Logs detail', () => {
  test('the answer shows its line breaks, the request is indented, both escaped', async () => {
    const html = await detailOf(JSON.stringify({ request: REQUEST, response: ANSWER }));
    expect(html).toContain(`<pre class="mono body body-answer">${escaped(ANSWER)}</pre>`);
    expect(html).toContain(`<pre class="mono body body-request">${escaped(JSON.stringify(REQUEST, null, 2))}</pre>`);
    expect(html).not.toContain('<script>x');
  });

  test('a stream that delivered nothing says so; a body of another shape is shown as stored', async () => {
    expect(await detailOf(JSON.stringify({ request: REQUEST, response: '' }))).toContain('None delivered.');
    const other = JSON.stringify({ messages: [{ role: 'user', content: 'older shape' }] });
    expect(await detailOf(other)).toContain(`<pre class="mono body">${escaped(other)}</pre>`);
    expect(await detailOf('not json {')).toContain('<pre class="mono body">not json {</pre>');
  });

  test('bodyParts reads only the stored shape', () => {
    expect(bodyParts(JSON.stringify({ request: { a: 1 }, response: 'x\ny' }))).toEqual({ request: '{\n  "a": 1\n}', answer: 'x\ny' });
    expect(bodyParts(JSON.stringify({ request: { a: 1 }, response: null }))).toEqual({ request: '{\n  "a": 1\n}', answer: '' });
    expect(bodyParts(JSON.stringify({ request: { a: 1 }, response: { text: 'x' } }))).toBeNull();
    expect(bodyParts('[1,2]')).toBeNull();
    expect(bodyParts('"text"')).toBeNull();
  });
});
