/**
 * Instances whose clocks disagree (a host's NTP off, a VM resumed with its clock behind): the
 * limit windows in Redis are stamped by whichever instance admits. Two gateway PROCESSES on one
 * PostgreSQL database and a Redis of the test's own, one run under libfaketime 70 s ahead. Each stamps
 * on Redis's clock (src/redis/redis-clock.ts), so a key at its RPM through one is refused by the
 * other too. Before, the instance ahead pruned the other's admissions as over a minute old and
 * served the key its whole RPM again at once (RPM 30: 60 admitted within 32 s with a clock 30 s ahead).
 * Heavy (spawns processes): run with `bun test test/cluster`.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync } from 'node:fs';
import type { GatewayProcess } from '../helpers/gateway-process';
import { eventually } from '../helpers/redis-env';
import { killedInstanceRig, type KilledInstanceRig } from './killed-instance-rig';

setDefaultTimeout(90_000);

const ADMIN_PASSWORD = 'clock-skew-admin-password';
// libfaketime preloaded into the gateway itself (the faketime command would leave it running when killed).
const LIBFAKETIME = ['x86_64-linux-gnu', 'aarch64-linux-gnu', '.', '../local/lib']
  .map((d) => `/usr/lib/${d}/faketime/libfaketime.so.1`)
  .find((f) => existsSync(f));
let rig: KilledInstanceRig;
let A: GatewayProcess, ahead: GatewayProcess;

beforeAll(async () => {
  if (!LIBFAKETIME) return;
  rig = await killedInstanceRig({ prefix: 'qa-clock-skew:', dbPrefix: 'qa_clock_skew', adminPassword: ADMIN_PASSWORD });
  A = await rig.start('gw-a'); // creates and migrates the database
  ahead = await rig.start('gw-ahead', { LD_PRELOAD: LIBFAKETIME, FAKETIME: '+70s' });
});

afterAll(() => rig?.close([A, ahead]));

const chat = (p: GatewayProcess, key: string) =>
  fetch(`${p.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'deepseek/deepseek-chat', max_tokens: 5, messages: [{ role: 'user', content: 'Hello' }] }),
  }).then(async (r) => [r.status, ((await r.json()) as any).error?.code ?? null]);

test.skipIf(!LIBFAKETIME)('a key at its RPM through one instance is refused by one whose clock is 70 s ahead', async () => {
  const login = await fetch(`${A.url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  const { token } = (await login.json()) as { token: string };
  const made = await fetch(`${A.url}/api/clients`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ name: 'skewed', rpm: 3 }),
  });
  expect(made.status).toBe(201);
  const { key } = (await made.json()) as { key: string };
  // Known to both (a free read: counts toward nothing).
  for (const p of [A, ahead]) {
    expect(await eventually(async () => (await fetch(`${p.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status === 200, 15_000, 100)).toBe(true);
  }
  for (let i = 0; i < 3; i++) expect(await chat(A, key)).toEqual([200, null]);
  expect(await chat(A, key)).toEqual([429, 'rate_limit_exceeded']);
  // The instance ahead sees the same minute: refused, and so is A after it.
  expect(await chat(ahead, key)).toEqual([429, 'rate_limit_exceeded']);
  expect(await chat(ahead, key)).toEqual([429, 'rate_limit_exceeded']);
  expect(await chat(A, key)).toEqual([429, 'rate_limit_exceeded']);
});
