/**
 * A client that hangs up while its body is still arriving, on the routes Elysia serves (the sign-in,
 * the admin API, the dashboard's forms): nobody is left to answer, and it is no internal error. Each
 * such drop on a JSON route printed "[gophergate] unexpected error: The connection was closed." (the
 * 500 path), so an anonymous client could fill the server's log with lines that mean a bug.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { connect } from 'node:net';
import { ADMIN_PASSWORD, dashboardCookie, login } from '../helpers/admin-harness';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { until } from '../helpers/until';

setDefaultTimeout(30_000);

let gw: TestGateway;
const printed: string[] = [];
const consoleError = console.error;
beforeAll(async () => {
  gw = await startGateway();
  console.error = (...args: unknown[]) => void printed.push(args.map(String).join(' '));
});
afterAll(async () => {
  console.error = consoleError;
  await gw.close();
});

/** Writes `head` and the start of a body it declares longer, then drops the connection once the request is being handled. */
async function dropMidBody(head: string, part: string): Promise<string> {
  const socket = connect(Number(new URL(gw.url).port), '127.0.0.1');
  let got = '';
  socket.on('data', (d) => (got += d.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.on('close', () => r()));
  socket.write(`${head}Content-Length: 1000\r\n\r\n${part}`);
  await until(() => gw.pendingRequests() > 0);
  socket.destroy();
  await closed;
  await until(() => gw.pendingRequests() === 0);
  return got;
}

test('dropped mid-body on the sign-in, the admin API and a dashboard form: no answer, nothing printed as unexpected, the gateway serves on', async () => {
  const session = await login(gw, 'admin', ADMIN_PASSWORD);
  const cookie = await dashboardCookie(gw);
  const json = 'Content-Type: application/json\r\n';
  const cases: [string, string][] = [
    [`POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n${json}`, '{"username":"adm'],
    [`POST /api/teams HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${session.token}\r\n${json}`, '{"name":"dro'],
    [`PATCH /api/auth/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${session.token}\r\n${json}`, '{"x":'],
    [`POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n`, 'username=adm'],
    [`POST /teams HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookie}\r\nx-csrf-token: x\r\nContent-Type: application/x-www-form-urlencoded\r\n`, 'name=dro'],
  ];
  for (const [head, part] of cases) {
    const what = head.slice(0, head.indexOf(' HTTP'));
    expect({ what, answer: await dropMidBody(head, part) }).toEqual({ what, answer: '' });
  }
  expect(printed).toEqual([]);
  const teams = await fetch(`${gw.url}/api/teams`, { headers: { authorization: `Bearer ${session.token}` } });
  expect(teams.status).toBe(200);
  expect(((await teams.json()) as any).data).toEqual([]);
});
