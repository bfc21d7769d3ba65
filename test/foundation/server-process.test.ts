import { Database } from 'bun:sqlite';
import { expect, setDefaultTimeout, test } from 'bun:test';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkg from '../../package.json';
import { resetAdmin } from '../../src/db/seed/seed';
import { signInHint } from '../../src/startup/sign-in-hint';
import OpenAI from 'openai';
import { sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { createClientKey, startGatewayProcess } from '../helpers/gateway-process';
import { startGateway } from '../helpers/start-gateway';

// Spawns the server: seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(30_000);

const MAIN = join(import.meta.dir, '../../src/main.ts');
/** Where a start can tell an inherited ignored signal (/proc/self/status) and GNU env can reset one. */
const LINUX = process.platform === 'linux';

test('the server starts in an empty directory, creates ./data, answers /health and stops cleanly on SIGTERM', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-serve-'));
  const proc = Bun.spawn(['bun', MAIN], {
    cwd,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', LLM_PROXY__SERVER__HOST: '127.0.0.1', LLM_PROXY__SERVER__PORT: '0' },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  // Port 0 lets the OS choose; the start line tells which.
  const reader = proc.stdout.getReader();
  let out = '';
  while (!/listening on http:\/\/[^:]+:(\d+)/.test(out)) {
    const { value, done } = await reader.read();
    if (done) break;
    out += new TextDecoder().decode(value);
  }
  const port = Number(/listening on http:\/\/[^:]+:(\d+)/.exec(out)![1]);
  // A fresh install says how to sign in (no LLM_PROXY__ADMIN__PASSWORD: the default one).
  while (!out.includes('admin123')) {
    const { value, done } = await reader.read();
    if (done) break;
    out += new TextDecoder().decode(value);
  }
  expect(out).toContain(`gophergate: sign in at http://127.0.0.1:${port}/ as admin / admin123; you will be asked to choose a new password`);
  const health = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.json());
  expect(health.status).toBe('ok');
  // The same version `--version` prints (INTERFACE.md: /health carries `version`).
  expect(health.version).toBe(pkg.version);
  expect(health.providers.openai).toEqual({ enabled: false, circuit: 'closed', model_circuits: [] });
  expect(health.log_queue).toEqual({ depth: 0, dropped: 0 });
  // README: whole seconds since the process started.
  expect(Number.isInteger(health.uptime_s) && health.uptime_s >= 0).toBe(true);
  expect(existsSync(join(cwd, 'data', 'gophergate.db'))).toBe(true);
  expect(existsSync(join(cwd, 'data', 'encryption.key'))).toBe(true);
  proc.kill('SIGTERM');
  expect(await proc.exited).toBe(0);
  // Where the key to back up went, as a full path.
  expect(await new Response(proc.stderr).text()).toContain(`generated a new encryption key in ${join(realpathSync(cwd), 'data', 'encryption.key')}.`);
});

test("no sign-in line when admin's password was configured; the line is back after --reset-admin", async () => {
  // The test gateway sets LLM_PROXY__ADMIN__PASSWORD.
  const gw = await startGateway();
  try {
    expect(await signInHint(gw.ctx.db, 'http://x/')).toBeNull();
    resetAdmin(gw.ctx.db);
    expect(await signInHint(gw.ctx.db, 'http://x/')).toBe('gophergate: sign in at http://x/ as admin / admin123; you will be asked to choose a new password');
    // LLM_PROXY__ADMIN__PASSWORD set on a database that did not take it: the line says why it is not the password.
    expect(await signInHint(gw.ctx.db, 'http://x/', true)).toBe(
      'gophergate: sign in at http://x/ as admin / admin123; you will be asked to choose a new password ' +
        '(LLM_PROXY__ADMIN__PASSWORD is read only when the database is first created, and this one was created without it or reset since)',
    );
  } finally {
    await gw.close();
  }
});

test('a clean stop leaves the whole database in the .db file: no -wal left, a copy of the file alone holds the last request', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-serve-wal-'));
  const dbPath = join(cwd, 'data', 'gophergate.db');
  // Whether the connection used to stay open underneath depended on the garbage collector having
  // finalized its statements: a few starts, each stopped as soon as it served one request.
  const requestIds: string[] = [];
  for (let i = 0; i < 3; i++) {
    const p = await startGatewayProcess({ cwd, dbPath, adminPassword: 'wal-admin-password-1', env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
    const key = await createClientKey(p.url, 'wal-admin-password-1');
    const client = new OpenAI({ baseURL: `${p.url}/v1`, apiKey: key });
    const { data, response } = await client.chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: `keep me ${i}` }] }).withResponse();
    expect(data.choices[0]!.message.content).toContain(`keep me ${i}`);
    requestIds.push(response.headers.get('x-request-id')!);
    p.proc.kill('SIGTERM');
    expect(await p.proc.exited).toBe(0);
    // What a backup of the file alone (cp data/gophergate.db elsewhere) gets after a clean stop.
    expect(existsSync(`${dbPath}-wal`)).toBe(false);
  }
  const copy = join(cwd, 'copy.db');
  copyFileSync(dbPath, copy);
  const db = new Database(copy, { readonly: true });
  try {
    for (const id of requestIds) {
      const row = db.query('SELECT status, model FROM request_logs WHERE request_id = ?').get(id) as any;
      expect(row).toEqual({ status: 200, model: 'mock/echo' });
    }
  } finally {
    db.close();
  }
});

test('LLM_PROXY__DATABASE__PATH with spaces around it (or blank) is the file it names (or the default), mode 0600, and keeps what was served', async () => {
  // bun:sqlite trims the name it opens: ` ./data/spaced.db ` was served from ./data/spaced.db while
  // the file made (and chmod-ed 0600) beforehand was ` ./data/spaced.db ` in a folder ` .`; a blank
  // value served from a private temporary database, lost at exit, whose log rows all failed.
  for (const [given, file] of [[' ./data/spaced.db ', 'data/spaced.db'], ['   ', 'data/gophergate.db']] as const) {
    const cwd = mkdtempSync(join(tmpdir(), 'gg-serve-path-'));
    const p = await startGatewayProcess({ cwd, dbPath: given, adminPassword: 'path-admin-password-1', env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
    // The file's full path, so an operator sees where the data went whatever the working directory
    // (a supervisor's is often /), not the setting as given.
    expect(p.out()).toContain(`(database ${join(realpathSync(cwd), file)})`);
    const key = await createClientKey(p.url, 'path-admin-password-1');
    const { response } = await new OpenAI({ baseURL: `${p.url}/v1`, apiKey: key })
      .chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'keep me' }] })
      .withResponse();
    p.proc.kill('SIGTERM');
    expect(await p.proc.exited).toBe(0);
    expect(p.out()).not.toContain('log writer');
    expect(readdirSync(cwd).sort()).toEqual(['data']);
    expect(statSync(join(cwd, file)).mode & 0o777).toBe(0o600);
    const db = new Database(join(cwd, file), { readonly: true });
    try {
      const row = db.query('SELECT status, model FROM request_logs WHERE request_id = ?').get(response.headers.get('x-request-id')) as any;
      expect(row).toEqual({ status: 200, model: 'mock/echo' });
    } finally {
      db.close();
    }
  }
}, 60_000);

test('SIGTERM waits for streams in flight; a second SIGTERM ends the endless ones with an error event (503 shutting_down; a whole answer waiting: 503 with its connection closed), each keeps its row, and the exit is 0', async () => {
  // An upstream stream that would go on for hours, one chunk every 100 ms.
  const chunk = (content: string) => JSON.stringify({ id: 'chatcmpl-long', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content }, finish_reason: null }] });
  // A whole (not streamed) answer that never comes: its request waits on the upstream.
  const fake = startFakeUpstream((_req, rec) =>
    rec.body?.stream === true ? sseResponse(Array.from({ length: 100_000 }, (_, i) => chunk(`tick ${i} `)), { delayMs: 100 }) : new Promise<Response>(() => {}),
  );
  const cwd = mkdtempSync(join(tmpdir(), 'gg-serve-cut-'));
  const dbPath = join(cwd, 'gophergate.db');
  const p = await startGatewayProcess({
    cwd, dbPath, adminPassword: 'cut-admin-password-1',
    env: { OPENAI_API_KEY: 'sk-cut-test', LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: `${fake.url}/v1` },
  });
  try {
    const client = new OpenAI({ baseURL: `${p.url}/v1`, apiKey: await createClientKey(p.url, 'cut-admin-password-1'), maxRetries: 0 });
    const streams = await Promise.all([1, 2].map(async () => {
      const { data, response } = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'go on' }] }).withResponse();
      const it = data[Symbol.asyncIterator]();
      expect((await it.next()).done).toBe(false); // streaming
      // Read on until the stream ends: the SDK throws the error event it ends with.
      const ended = (async () => {
        try {
          while (!(await it.next()).done);
          return null;
        } catch (e) {
          return e as { code?: string; message?: string };
        }
      })();
      return { id: response.headers.get('x-request-id')!, ended };
    }));
    const whole = fetch(`${p.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'wait' }] }),
    });
    while (fake.requests.length < 3) await Bun.sleep(20);
    p.proc.kill('SIGTERM');
    while (!p.out().includes('draining')) await Bun.sleep(20);
    // The first signal waits for them: still running, still streaming. (A repeat within a second
    // is taken for the same signal delivered twice, so the second one comes later.)
    await Bun.sleep(1_500);
    expect(p.proc.exitCode).toBeNull();
    expect(p.out()).not.toContain('received again');
    p.proc.kill('SIGTERM');
    expect(await p.proc.exited).toBe(0);
    // Each stream ended with an error event in OpenAI's shape, not a connection cut mid-body.
    for (const err of await Promise.all(streams.map((s) => s.ended))) {
      expect({ code: err?.code, message: err?.message }).toEqual({ code: 'shutting_down', message: expect.stringContaining('shutting down') });
    }
    // The whole answer's request: 503 shutting_down in OpenAI's shape, its connection closed (no
    // keep-alive promised by a gateway that is stopping).
    const res = await whole;
    expect(res.status).toBe(503);
    expect(res.headers.get('connection')).toBe('close');
    expect(res.headers.get('keep-alive')).toBeNull();
    expect(((await res.json()) as any).error).toMatchObject({ code: 'shutting_down', type: 'server_error' });
    expect(await p.outAtExit()).toContain('gophergate: stopped cleanly');
    const db = new Database(dbPath, { readonly: true });
    try {
      expect(db.query('SELECT status, stream FROM request_logs WHERE request_id = ?').all(res.headers.get('x-request-id'))).toEqual([{ status: 503, stream: 0 }]);
      for (const s of streams) {
        const rows = db.query('SELECT status, stream FROM request_logs WHERE request_id = ?').all(s.id) as any[];
        expect(rows).toEqual([{ status: 503, stream: 1 }]);
      }
    } finally {
      db.close();
    }
  } finally {
    p.proc.kill('SIGKILL');
    fake.close();
  }
});

test('a SIGTERM sent the moment it says it listens (as a supervisor may) drains and exits 0, with every start-up line printed', async () => {
  // With a .env line to warn of, the lines after "listening" take a moment; the signal's default
  // action (an exit with no drain) used to win whenever it came before the handlers did.
  for (let round = 0; round < 3; round++) {
    const cwd = mkdtempSync(join(tmpdir(), 'gg-serve-early-term-'));
    writeFileSync(join(cwd, '.env'), 'LLM_PROXY__SERVER__PORT: 9000\n');
    const p = await startGatewayProcess({ cwd, dbPath: join(cwd, 'gophergate.db'), adminPassword: 'early-term-password-1' });
    p.proc.kill('SIGTERM');
    expect(await p.proc.exited).toBe(0);
    const printed = await p.outAtExit();
    expect(printed).toContain('of .env is not NAME=value');
    expect(printed).toContain('gophergate: SIGTERM received');
    expect(printed).toContain('gophergate: stopped cleanly');
  }
});

// SIGUSR1 and SIGUSR2 exit at once by default (Bun's too): what a tool sends to reopen logs or restart a server.
test.each([
  ['SIGHUP', 'its terminal closed'],
  ['SIGUSR1', 'a log-reopen signal'],
  ['SIGUSR2', "nodemon's restart signal"],
] as const)('%s (%s) stops it as cleanly as SIGTERM: the request just answered is logged, exit 0', async (signal) => {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-serve-hup-'));
  const dbPath = join(cwd, 'gophergate.db');
  // The signal at its default however this test run was started (under nohup SIGHUP would be inherited ignored, and left so).
  const p = await startGatewayProcess({ cwd, dbPath, adminPassword: 'hup-admin-password-1', env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' }, wrap: LINUX ? ['env', `--default-signal=${signal.slice(3)}`] : [] });
  try {
    const client = new OpenAI({ baseURL: `${p.url}/v1`, apiKey: await createClientKey(p.url, 'hup-admin-password-1') });
    const { response } = await client.chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'hang up' }] }).withResponse();
    p.proc.kill(signal);
    expect(await p.proc.exited).toBe(0);
    const printed = await p.outAtExit();
    expect(printed).toContain(`gophergate: ${signal} received`);
    expect(printed).toContain('gophergate: stopped cleanly');
    const db = new Database(dbPath, { readonly: true });
    try {
      expect(db.query('SELECT status FROM request_logs WHERE request_id = ?').all(response.headers.get('x-request-id'))).toEqual([{ status: 200 }]);
    } finally {
      db.close();
    }
  } finally {
    p.proc.kill('SIGKILL');
  }
});

// How each signal comes to be ignored at start: `nohup ./gophergate &` (nohup ignores SIGHUP, then
// execs the gateway); a shell without job control starts `cmd &` with SIGINT ignored (deploy.sh's
// line), which `trap "" INT; exec` reproduces with the same pid.
test.skipIf(!LINUX).each([
  ['SIGHUP', 'under nohup: the operator logging out', ['nohup']],
  ['SIGINT', "as a script's async command: a Ctrl-C meant for the script", ['bash', '-c', 'trap "" INT; exec "$@"', 'bash']],
] as const)('started with %s ignored (%s) leaves it serving; SIGTERM still stops it', async (signal, _how, wrap) => {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-serve-ignored-'));
  const p = await startGatewayProcess({ cwd, dbPath: join(cwd, 'gophergate.db'), adminPassword: 'ignored-admin-password-1', wrap: [...wrap] });
  try {
    p.proc.kill(signal);
    // Long enough for a handled signal to have stopped it (it did: the handler overrode the inherited ignore).
    await Bun.sleep(500);
    expect((await fetch(`${p.url}/health`)).status).toBe(200);
    expect(p.out()).not.toContain(`${signal} received`);
    p.proc.kill('SIGTERM');
    expect(await p.proc.exited).toBe(0);
    expect(await p.outAtExit()).toContain('gophergate: SIGTERM received');
  } finally {
    p.proc.kill('SIGKILL');
  }
});

test('a misspelt LLM_PROXY__ name (environment or .env) is named at start, with the setting it resembles; real settings are not', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-serve-typo-'));
  // Line 3 sets nothing (YAML's colon), line 4 neither, and its value (a key) must not be echoed.
  writeFileSync(join(cwd, '.env'), 'LLM_PROXY__LOGGING__RETENTION_DAY=5\nLLM_PROXY__LOGGING__RETENTION_DAYS=7\nLLM_PROXY__SERVER__KEEPALIVE_TIMEOUT_S: 9\nOPENAI_API_KEY sk-secret-value\n');
  const p = await startGatewayProcess({
    cwd, dbPath: join(cwd, 'gophergate.db'), adminPassword: 'typo-admin-password-1',
    env: { LLM_PROXY__SERVER_PORT: '9000', LLM_PROXY__PROVIDERS__NOPE__API_KEY: 'x', LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' },
  });
  try {
    // Printed right after the listening line; a bound only against a hang.
    for (const deadline = Date.now() + 10_000; !p.out().includes('LLM_PROXY__SERVER_PORT') && Date.now() < deadline; ) await Bun.sleep(20);
    p.proc.kill('SIGTERM');
    expect(await p.proc.exited).toBe(0);
    const warnings = p.out().split('\n').filter((l) => l.includes('is not a setting'));
    expect(warnings).toEqual([
      'gophergate: LLM_PROXY__LOGGING__RETENTION_DAY is not a setting; it is ignored (did you mean LLM_PROXY__LOGGING__RETENTION_DAYS?). Every setting is listed in the README.',
      'gophergate: LLM_PROXY__PROVIDERS__NOPE__API_KEY is not a setting; it is ignored. Every setting is listed in the README.',
      'gophergate: LLM_PROXY__SERVER_PORT is not a setting; it is ignored (did you mean LLM_PROXY__SERVER__PORT?). Every setting is listed in the README.',
    ]);
    expect(p.out().split('\n').filter((l) => l.includes('of .env is not NAME=value'))).toEqual([
      'gophergate: line 3 of .env is not NAME=value (it starts "LLM_PROXY__SERVER__KEEPALIVE_TIMEOUT_S"); it is ignored.',
      'gophergate: line 4 of .env is not NAME=value (it starts "OPENAI_API_KEY"); it is ignored.',
    ]);
    expect(p.out()).not.toContain('sk-secret-value');
  } finally {
    p.proc.kill('SIGKILL');
  }
});

test("the mock provider's base URL or key, which it never uses, is named at start as having no effect (its value not shown); its own settings are not", async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-serve-mock-'));
  writeFileSync(join(cwd, '.env'), 'LLM_PROXY__PROVIDERS__MOCK__API_KEY=sk-mock-secret-value\n');
  const p = await startGatewayProcess({
    cwd, dbPath: join(cwd, 'gophergate.db'), adminPassword: 'mock-admin-password-1',
    env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true', LLM_PROXY__PROVIDERS__MOCK__BASE_URL: 'http://127.0.0.1:9/v1', LLM_PROXY__PROVIDERS__MOCK__CHUNKS: '3' },
  });
  try {
    for (const deadline = Date.now() + 10_000; !p.out().includes('MOCK__API_KEY has no effect') && Date.now() < deadline; ) await Bun.sleep(20);
    p.proc.kill('SIGTERM');
    expect(await p.proc.exited).toBe(0);
    const lines = p.out().split('\n').filter((l) => l.includes('has no effect'));
    expect(lines.map((l) => l.split(' has no effect')[0])).toEqual(['gophergate: LLM_PROXY__PROVIDERS__MOCK__BASE_URL', 'gophergate: LLM_PROXY__PROVIDERS__MOCK__API_KEY']);
    expect(p.out()).not.toContain('sk-mock-secret-value');
    expect(p.out()).not.toContain('is not a setting');
  } finally {
    p.proc.kill('SIGKILL');
  }
});
