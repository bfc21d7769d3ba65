/** /swagger carries a CSP and X-Frame-Options; monitor sockets are capped per session and per user. */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { MAX_MONITOR_SOCKETS_PER_SESSION, MAX_MONITOR_SOCKETS_PER_USER } from '../../src/monitor/monitor-socket-caps';
import type { TestGateway } from '../helpers/start-gateway';
import { ADMIN_PASSWORD, api, login, useAdminGateway, type Session } from '../helpers/admin-harness';

setDefaultTimeout(30_000);

let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => void ({ gw, admin } = s));

describe('/swagger', () => {
  test('the page has a CSP allowing only its own inline script (by hash) and may not be framed', async () => {
    const res = await fetch(`${gw.url}/swagger`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)].map((m) => m[1]!);
    expect(inline.length).toBeGreaterThan(0);
    const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src'))!;
    expect(scriptSrc).not.toContain('unsafe-inline');
    for (const s of inline) expect(scriptSrc).toContain(`'sha256-${createHash('sha256').update(s).digest('base64')}'`);
  });

  test('the OpenAPI document and the assets may not be framed either', async () => {
    for (const p of ['/swagger/json', '/swagger/assets/swagger-ui.css']) {
      const res = await fetch(`${gw.url}${p}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
  });
});

describe('monitor sockets per session and per user', () => {
  const open = (s: Session) =>
    new Promise<{ ws: WebSocket } | { refused: number }>((resolve) => {
      const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/api/monitor/ws`, { headers: { authorization: `Bearer ${s.token}` } } as any);
      let opened = false;
      ws.onmessage = () => {
        // the hello message: the socket was accepted
        if (!opened) {
          opened = true;
          resolve({ ws });
        }
      };
      ws.onclose = (e) => {
        if (!opened) resolve({ refused: e.code });
      };
    });

  test(`at most ${MAX_MONITOR_SOCKETS_PER_SESSION} per session; other sessions are not affected; closing one frees a place`, async () => {
    const sockets: WebSocket[] = [];
    try {
      for (let i = 0; i < MAX_MONITOR_SOCKETS_PER_SESSION; i++) {
        const r = await open(admin);
        expect('ws' in r).toBe(true);
        if ('ws' in r) sockets.push(r.ws);
      }
      for (let i = 0; i < 3; i++) expect('refused' in (await open(admin))).toBe(true);
      const other = await login(gw, 'admin', ADMIN_PASSWORD);
      const r = await open(other);
      expect('ws' in r).toBe(true);
      if ('ws' in r) sockets.push(r.ws);
      const first = sockets.shift()!;
      const closed = new Promise((res) => (first.onclose = res));
      first.close();
      await closed;
      let again: Awaited<ReturnType<typeof open>> = { refused: 0 };
      for (let i = 0; i < 50 && !('ws' in again); i++) {
        again = await open(admin);
        if (!('ws' in again)) await Bun.sleep(20);
      }
      expect('ws' in again).toBe(true);
      if ('ws' in again) sockets.push(again.ws);
    } finally {
      for (const ws of sockets) ws.close();
    }
  });

  test(`a user signing in again and again holds at most ${MAX_MONITOR_SOCKETS_PER_USER} over all sessions; another user is not affected`, async () => {
    const created = await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'watcher', password: 'watcher-password-1', role: 'viewer' } });
    expect(created.status).toBe(201);
    const sockets: WebSocket[] = [];
    try {
      const sessions = await Promise.all(Array.from({ length: MAX_MONITOR_SOCKETS_PER_USER / MAX_MONITOR_SOCKETS_PER_SESSION + 1 }, () => login(gw, 'watcher', 'watcher-password-1')));
      let opened = 0;
      let refused = 0;
      for (const s of sessions)
        for (let i = 0; i < MAX_MONITOR_SOCKETS_PER_SESSION; i++) {
          const r = await open(s);
          if ('ws' in r) (sockets.push(r.ws), opened++);
          else refused++;
        }
      expect({ opened, refused }).toEqual({ opened: MAX_MONITOR_SOCKETS_PER_USER, refused: MAX_MONITOR_SOCKETS_PER_SESSION });
      // The handshake's refusal names the user's cap.
      const res = await fetch(`${gw.url}/api/monitor/ws`, { headers: { authorization: `Bearer ${sessions.at(-1)!.token}`, upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' } });
      expect(res.status).toBe(429);
      expect(((await res.json()) as any).error.message).toContain('for this user');
      const other = await open(admin);
      expect('ws' in other).toBe(true);
      if ('ws' in other) sockets.push(other.ws);
    } finally {
      for (const ws of sockets) ws.close();
    }
  });
});
