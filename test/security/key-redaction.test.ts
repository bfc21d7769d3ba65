/**
 * A provider key an upstream echoes back re-encoded (other case, spaced out, base64) or in part never
 * reaches a client, a log row or the monitor.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { toMonitorEvent } from '../../src/monitor/redact-record';
import { createBreakerRegistry } from '../../src/routing';
import { redactKeyForms } from '../../src/security/redact-key';
import { jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

const KEY = 'sk-test-openai-key-0123456789'; // what providerEnv('openai', ...) configures
const b64 = (s: string) => Buffer.from(s).toString('base64');
const FORMS: Record<string, string> = {
  'upper case': KEY.toUpperCase(),
  'mixed case': KEY.replace(/[a-z]/g, (c, i) => (i % 2 ? c.toUpperCase() : c)),
  spaced: [...KEY].join(' '),
  'spaced with newlines': [...KEY].join('\n'),
  base64: b64(KEY),
  'base64 inside a longer string': b64(`Authorization: Bearer ${KEY}; more`),
  'base64url, shifted by one byte': Buffer.from(`x${KEY}`).toString('base64url'),
  // An upstream that names the key without its `sk-` prefix, or cut at both ends.
  'without its prefix': KEY.slice(8),
  'a stretch from its middle': KEY.slice(6, -3),
};
/** Pieces that must not appear anywhere: the key's distinctive tail in every form. */
const leaks = (text: string) => {
  const flat = text.replace(/\s+/g, '').toLowerCase();
  const found: string[] = [];
  if (flat.includes('openai-key-0123456789')) found.push('plain');
  for (const [label, form] of Object.entries(FORMS)) if (form.length > 12 && text.includes(form.slice(4, -4))) found.push(label);
  return found;
};

let fake: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  fake = startFakeUpstream();
  gw = await startGateway({ env: providerEnv('openai', `${fake.url}/v1`), breakers: createBreakerRegistry({ failureThreshold: 1_000 }) });
});
afterAll(async () => {
  await gw.close();
  fake.close();
});

const rowsOf = async (clientId: number) => {
  const deadline = Date.now() + 5000;
  while (!gw.logs.some((r) => r.clientId === clientId) && Date.now() < deadline) await Bun.sleep(20);
  return gw.logs.filter((r) => r.clientId === clientId);
};

describe('re-encoded provider keys', () => {
  test('redactKeyForms removes every form and leaves other text alone', () => {
    for (const [label, form] of Object.entries(FORMS)) {
      const out = redactKeyForms(`the key was ${form}, fix it`, KEY);
      expect({ label, leaks: leaks(out) }).toEqual({ label, leaks: [] });
      expect(out).toStartWith('the key was ');
    }
    expect(redactKeyForms('no secret in these words at all', KEY)).toBe('no secret in these words at all');
  });

  for (const [label, form] of Object.entries(FORMS)) {
    test(`an upstream error echoing the key (${label}): not in the client's error, the log row or the monitor`, async () => {
      fake.handler = () => jsonResponse({ error: { message: `Incorrect API key provided: ${form}.`, type: 'invalid_request_error', code: 'invalid_api_key' } }, 400);
      const c = gw.addClient(`redact ${label}`);
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${c.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      const text = await res.text();
      expect(res.status).toBe(400);
      expect(text).toContain('Incorrect API key provided');
      expect({ where: 'client', leaks: leaks(text) }).toEqual({ where: 'client', leaks: [] });
      const [row] = await rowsOf(c.id);
      expect({ where: 'log', leaks: leaks(row!.error ?? '') }).toEqual({ where: 'log', leaks: [] });
      const event = JSON.stringify(toMonitorEvent(row!, [KEY]));
      expect({ where: 'monitor', leaks: leaks(event) }).toEqual({ where: 'monitor', leaks: [] });
    });
  }

  test('an error event inside a stream echoing the key: redacted too', async () => {
    const first = readChunks('openai', 'text.chunks.txt')[0]!;
    fake.handler = () => sseResponse([first, JSON.stringify({ error: { message: `key ${FORMS['upper case']} / ${FORMS.base64} was revoked` } })]);
    const c = gw.addClient('redact stream');
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await res.text();
    expect(text).toContain('revoked');
    expect({ where: 'client', leaks: leaks(text) }).toEqual({ where: 'client', leaks: [] });
    const [row] = await rowsOf(c.id);
    expect({ where: 'log', leaks: leaks(row!.error ?? '') }).toEqual({ where: 'log', leaks: [] });
  });
});
