import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { LogRow } from '../../src/logging/log-row';
import { BunMonitorHub } from '../../src/monitor/monitor-hub';
import type { TestGateway } from '../helpers/start-gateway';
import { ADMIN_PASSWORD, api, login, makeUser, useAdminGateway, type Session } from '../helpers/admin-harness';
import { until } from '../helpers/until';

// Each test starts a gateway and signs in (password hashing): seconds on a loaded CI machine. A
// limit only bounds a hang.
setDefaultTimeout(30_000);

const PROVIDER_KEY = 'sk-live-provider-secret-0123456789abcdef';
let gw: TestGateway;
let admin: Session;
let wsUrl: string;

useAdminGateway(
  (s) => {
    ({ gw, admin } = s);
    wsUrl = `${gw.url.replace('http', 'ws')}/api/monitor/ws`;
  },
  { env: { LLM_PROXY__PROVIDERS__OPENAI__API_KEY: PROVIDER_KEY } },
);

function record(over: Partial<LogRow> = {}): LogRow {
  return {
    createdAt: Date.now(), requestId: crypto.randomUUID(), clientId: gw.clientId, endpoint: 'chat',
    modelRequested: 'gpt-4o', model: 'gpt-4o', provider: 'openai', route: 'gpt-4o', stream: false, status: 200,
    errorType: null, error: null, promptTokens: 10, cachedTokens: 0, completionTokens: 5, reasoningTokens: 0,
    estimated: false, costUsd: 0.0001, latencyMs: 12, ttfbMs: 5, overheadMs: 1, ...over,
  };
}

/** Opens a socket; resolves with it and its messages once open, or with the close code if refused. */
function connect(headers: Record<string, string>): Promise<{ ws: WebSocket; messages: any[]; closed: Promise<number> } | { refused: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl, { headers } as any);
    const messages: any[] = [];
    let opened = false;
    let onClose: (code: number) => void = () => {};
    const closed = new Promise<number>((r) => (onClose = r));
    ws.onmessage = (e) => messages.push(JSON.parse(String(e.data)));
    ws.onopen = () => {
      opened = true;
      resolve({ ws, messages, closed });
    };
    ws.onclose = (e) => {
      onClose(e.code);
      if (!opened) resolve({ refused: e.code });
    };
  });
}

describe('live monitor WebSocket', () => {
  test('refused without a session, with a bad token, with a client key, and cross-site', async () => {
    const cases: Record<string, string>[] = [
      {},
      { authorization: 'Bearer not-a-token' },
      { authorization: `Bearer ${gw.clientKey}` },
      { cookie: 'gg_session=forged.1.0.1.abc' },
      { cookie: admin.cookie, origin: 'https://evil.example' },
    ];
    for (const headers of cases) {
      const r = await connect(headers);
      expect({ headers, refused: 'refused' in r }).toEqual({ headers, refused: true });
    }
    // the plain HTTP view of the same path gives the OpenAI-shaped 401
    const r = await api(gw, 'GET', '/api/monitor/ws');
    expect(r.status).toBe(401);
  });

  test('a viewer session (cookie) receives published records with no secrets', async () => {
    const viewer = await makeUser(gw, admin, 'watcher', 'viewer');
    const c = await connect({ cookie: viewer.cookie, origin: gw.url });
    if ('refused' in c) throw new Error(`refused ${c.refused}`);
    await until(() => c.messages.some((m) => m.type === 'hello'));

    const hub = gw.ctx.monitor;
    expect(hub).toBeInstanceOf(BunMonitorHub);
    hub.publish(record({ requestId: 'plain-1' }));
    hub.publish(record({
      requestId: 'leaky-1', status: 401, errorType: 'upstream_error',
      error: `Incorrect API key provided: ${PROVIDER_KEY}. Authorization: Bearer ${gw.clientKey} key=${PROVIDER_KEY}`,
      body: `{"messages":[{"role":"user","content":"my password is hunter2"}]}`,
      attempts: JSON.stringify([{ error: `Bearer ${PROVIDER_KEY}` }]),
    }));
    await until(() => c.messages.filter((m) => m.type === 'request').length >= 2);
    const [plain, leaky] = c.messages.filter((m) => m.type === 'request');
    expect(plain.data).toMatchObject({ request_id: 'plain-1', model: 'gpt-4o', status: 200, prompt_tokens: 10, cost_usd: 0.0001 });
    expect(leaky.data.request_id).toBe('leaky-1');
    expect(leaky.data.error).toContain('[redacted]');
    const all = JSON.stringify(c.messages);
    for (const secret of [PROVIDER_KEY, gw.clientKey, viewer.token, admin.token, 'hunter2', 'Bearer sk', 'Authorization: Bearer gg']) {
      expect(all).not.toContain(secret);
    }
    c.ws.close();
  });

  test('a bearer session (non-browser client) works too', async () => {
    const c = await connect({ authorization: `Bearer ${admin.token}` });
    if ('refused' in c) throw new Error(`refused ${c.refused}`);
    await until(() => c.messages.some((m) => m.type === 'hello'));
    gw.ctx.monitor.publish(record({ requestId: 'bearer-1' }));
    await until(() => c.messages.some((m) => m.data?.request_id === 'bearer-1'));
    c.ws.close();
  });

  test('a socket whose session ended here (sign-out, password change, user deleted) is closed at once, before any further record', async () => {
    const endings: [string, (s: Session, userId: number) => Promise<Response>][] = [
      ['sign-out', (s) => api(gw, 'POST', '/api/auth/logout', { as: s })],
      ['password change', (s) => api(gw, 'POST', '/api/auth/change-password', { as: s, body: { current_password: 'ending-password-1', new_password: 'ending-password-2' } })],
      ['user deleted', (_s, id) => api(gw, 'DELETE', `/api/users/${id}`, { as: admin })],
    ];
    for (const [i, [how, end]] of endings.entries()) {
      const created = await (await api(gw, 'POST', '/api/users', { as: admin, body: { username: `ending${i}`, password: 'ending-password-1', role: 'viewer', must_change_password: false } })).json();
      const s = await login(gw, `ending${i}`, 'ending-password-1');
      const c = await connect({ authorization: `Bearer ${s.token}` });
      if ('refused' in c) throw new Error(`refused ${c.refused}`);
      await until(() => c.messages.some((m) => m.type === 'hello'));
      const seen = { code: null as number | null };
      void c.closed.then((v) => (seen.code = v));
      expect((await end(s, created.id)).status).toBe(200);
      // A request finishing right after the answer must not reach the ended session.
      const after = `after-${how}`;
      gw.ctx.monitor.publish(record({ requestId: after }));
      await until(() => seen.code !== null || c.messages.some((m) => m.data?.request_id === after));
      expect({ how, code: seen.code, got: c.messages.some((m) => m.data?.request_id === after) }).toEqual({ how, code: 4401, got: false });
      c.ws.close();
    }
  });

  test('the periodic check closes a socket whose session another process ended', async () => {
    const s = await login(gw, 'admin', ADMIN_PASSWORD);
    const c = await connect({ authorization: `Bearer ${s.token}` });
    if ('refused' in c) throw new Error(`refused ${c.refused}`);
    await until(() => c.messages.some((m) => m.type === 'hello'));
    const hub = gw.ctx.monitor;
    expect(hub.revalidate()).toBe(0);
    // Another process (or instance) ended it: the row is gone and the cache no longer vouches for it.
    gw.ctx.sqlite.run('DELETE FROM sessions WHERE id = ?', [s.token.split('.')[0]!]);
    gw.ctx.auth.cache.delete(s.token.split('.')[0]!);
    expect(hub.revalidate()).toBe(1);
    expect(await c.closed).toBe(4401);
  });

  test('a user who must change the password cannot subscribe', async () => {
    const created = await (await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'fresh', password: 'fresh-password-1', role: 'viewer', must_change_password: true } })).json();
    expect(created.must_change_password).toBe(true);
    const s = await login(gw, 'fresh', 'fresh-password-1');
    const r = await connect({ authorization: `Bearer ${s.token}` });
    expect('refused' in r).toBe(true);
  });

  test('publishing before the server listens is a no-op', () => {
    const hub = new BunMonitorHub();
    expect(() => hub.publish(record())).not.toThrow();
  });
});
