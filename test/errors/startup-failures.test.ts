import { Database } from 'bun:sqlite';
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config';
import { startupFailureMessage } from '../../src/startup/startup-failure';
import { providerEnv, startGateway } from '../helpers/start-gateway';

// Each case spawns the gateway: seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(30_000);

const MAIN = join(import.meta.dir, '../../src/main.ts');

/** Runs `bun src/main.ts` (the binary's entry) in an empty directory with only `env` set. */
function start(env: Record<string, string>, args: string[] = [], shell?: string) {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-startfail-'));
  const cmd = shell ? ['sh', '-c', `${shell} && exec bun "$0" "$@"`, MAIN, ...args] : ['bun', MAIN, ...args];
  const p = Bun.spawnSync(cmd, {
    cwd,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', LLM_PROXY__SERVER__HOST: '127.0.0.1', LLM_PROXY__SERVER__PORT: '0', ...env },
    timeout: 20_000,
  });
  return { code: p.exitCode, err: p.stderr.toString(), out: p.stdout.toString(), cwd };
}

/** A start refused for a reason outside the program: one line naming the setting, no stack trace. */
function expectOneLineRefusal(r: ReturnType<typeof start>, ...parts: string[]) {
  expect(r.code).toBe(1);
  // The error alone: no warning about a server that never ran (the open-file limit) above it.
  const lines = r.err.split('\n').filter((l) => l.startsWith('gophergate: '));
  expect(lines).toHaveLength(1);
  for (const part of parts) expect(lines[0]).toContain(part);
  // Neither a stack frame nor the source excerpt Bun prints above an uncaught error.
  expect(r.err).not.toMatch(/\n\s+at |\n\d+ \| |Bun v\d/);
}

describe('a start that cannot go on says why in one line', () => {
  test('a malformed LLM_PROXY__ENCRYPTION_KEY (checked when the database opens)', () => {
    const r = start({ LLM_PROXY__ENCRYPTION_KEY: 'not-a-key' });
    expectOneLineRefusal(r, 'LLM_PROXY__ENCRYPTION_KEY must be 32 bytes as hex or base64', 'openssl rand -hex 32');
  });

  test('a database path under a file, a directory as the path, a file that is not SQLite; --reset-admin too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gg-startfail-db-'));
    writeFileSync(join(dir, 'plain-file'), 'x');
    writeFileSync(join(dir, 'not-sqlite.db'), 'this is not a database, only text long enough to be read as a header.........');
    mkdirSync(join(dir, 'a-folder'));
    const underFile = join(dir, 'plain-file', 'gophergate.db');
    expectOneLineRefusal(start({ LLM_PROXY__DATABASE__PATH: underFile }), `cannot use the database ${underFile}`, 'LLM_PROXY__DATABASE__PATH');
    expectOneLineRefusal(start({ LLM_PROXY__DATABASE__PATH: join(dir, 'a-folder') }), 'the path is a directory', 'LLM_PROXY__DATABASE__PATH');
    symlinkSync(join(dir, 'loop-b'), join(dir, 'loop-a'));
    symlinkSync(join(dir, 'loop-a'), join(dir, 'loop-b'));
    expectOneLineRefusal(start({ LLM_PROXY__DATABASE__PATH: join(dir, 'loop-a') }), 'a symbolic link in the path loops (ELOOP)', 'LLM_PROXY__DATABASE__PATH');
    const notDb = join(dir, 'not-sqlite.db');
    expectOneLineRefusal(start({ LLM_PROXY__DATABASE__PATH: notDb }), 'not a SQLite database', 'LLM_PROXY__DATABASE__PATH');
    expectOneLineRefusal(start({ LLM_PROXY__DATABASE__PATH: notDb }, ['--reset-admin']), 'not a SQLite database');
  });

  test('a named pipe or a socket as the database path is refused in one line (a FIFO made the start wait forever)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gg-startfail-fifo-'));
    const fifo = join(dir, 'gophergate.db');
    expect(Bun.spawnSync(['mkfifo', fifo]).exitCode).toBe(0);
    for (const args of [[], ['--reset-admin']]) {
      expectOneLineRefusal(start({ LLM_PROXY__DATABASE__PATH: fifo }, args), `cannot use the database ${fifo}`, 'a named pipe (FIFO), not a file (ENOTFILE)', 'LLM_PROXY__DATABASE__PATH');
    }
    const sock = join(dir, 'sock.db');
    const listener = Bun.listen({ unix: sock, socket: { data() {} } });
    try {
      expectOneLineRefusal(start({ LLM_PROXY__DATABASE__PATH: sock }), `cannot use the database ${sock}`, 'a socket, not a file (ENOTFILE)');
    } finally {
      listener.stop(true);
    }
    expectOneLineRefusal(start({ LLM_PROXY__DATABASE__PATH: '/dev/null' }), 'cannot use the database /dev/null', 'a device, not a file (ENOTFILE)');
  });

  test("a SQLite file of another program (its own users and clients tables) is refused in one line, and left as it was; --reset-admin too", () => {
    // A path pointed at the wrong file: migrating into it failed on "table `users` already exists" with a stack trace.
    const dir = mkdtempSync(join(tmpdir(), 'gg-startfail-foreign-'));
    const foreign = join(dir, 'other-app.db');
    const lite = new Database(foreign, { create: true });
    lite.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('theirs'); CREATE TABLE clients (id INTEGER PRIMARY KEY)");
    lite.close();
    for (const args of [[], ['--reset-admin']]) {
      expectOneLineRefusal(start({ LLM_PROXY__DATABASE__PATH: foreign }, args), `cannot use the database ${foreign}`, 'tables of another program (clients, users)', 'LLM_PROXY__DATABASE__PATH');
    }
    const after = new Database(foreign, { readonly: true });
    expect(after.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all()).toEqual([{ name: 'clients' }, { name: 'users' }]);
    after.close();
  });

  test('a port in use, and a host that is not an address', async () => {
    const holder = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('taken') });
    try {
      const r = start({ LLM_PROXY__SERVER__PORT: String(holder.port) });
      expectOneLineRefusal(r, `cannot listen on 127.0.0.1:${holder.port}`, 'is in use', 'LLM_PROXY__SERVER__PORT');
    } finally {
      holder.stop(true);
    }
    expectOneLineRefusal(start({ LLM_PROXY__SERVER__HOST: '999.1.1.1' }), 'cannot listen on 999.1.1.1', 'LLM_PROXY__SERVER__HOST');
  });

  test('a timeout longer than a timer can wait (about 24 days) stops the start in one line: past it every wait ended at once', () => {
    for (const name of ['LLM_PROXY__UPSTREAM__TIMEOUT_S', 'LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S', 'LLM_PROXY__SERVER__BODY_TIMEOUT_S', 'LLM_PROXY__UPSTREAM__QUEUE_TIMEOUT_S'])
      expectOneLineRefusal(start({ [name]: '3000000' }), `${name} must be a decimal number from 0.001 to 2147483 (got "3000000")`, 'the longest a timer can wait');
    expectOneLineRefusal(start({ LLM_PROXY__PROVIDERS__MOCK__LATENCY_MS: '2147483648' }), 'LLM_PROXY__PROVIDERS__MOCK__LATENCY_MS must be a decimal number from 0 to 2147483647');
  });

  test('the longest upstream timeout a timer holds waits for a late upstream (no 504 at once)', async () => {
    const late = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: async () => (await Bun.sleep(300), Response.json(JSON.parse(await Bun.file(join(import.meta.dir, '../fixtures/openai/chat.json')).text()))) });
    const gw = await startGateway({ env: { ...providerEnv('openai', `http://127.0.0.1:${late.port}/v1`), LLM_PROXY__UPSTREAM__TIMEOUT_S: '2147483', LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: '2147483' } });
    try {
      const r = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gw.clientKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect({ status: r.status, content: ((await r.json()) as any).choices?.[0]?.message?.content }).toEqual({ status: 200, content: 'Hello! How can I help you today?' });
    } finally {
      await gw.close();
      late.stop(true);
    }
  });

  test('an encryption.key beside the database that cannot be read names that file, not the database', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gg-startfail-key-'));
    mkdirSync(join(dir, 'encryption.key')); // e.g. a volume mount made a folder of it
    const r = start({ LLM_PROXY__DATABASE__PATH: join(dir, 'gophergate.db') });
    expectOneLineRefusal(r, `cannot use the encryption key file ${join(dir, 'encryption.key')}`, 'the path is a directory', 'LLM_PROXY__ENCRYPTION_KEY');
    expect(r.err).not.toContain('cannot use the database');
  });

  test('an image-URL allow-list entry that is a URL or host:port (it would never match) stops the start in one line', () => {
    const r = start({ LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS: 'images.internal,http://minio:9000' });
    expectOneLineRefusal(r, 'LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS holds "http://minio:9000"', 'without a scheme or path');
  });

  test("DeepSeek's beta base URL that is not one, not http(s), or holds a password or query stops the start in one line (no password shown)", () => {
    const name = 'LLM_PROXY__PROVIDERS__DEEPSEEK__BETA_BASE_URL';
    for (const [value, ...parts] of [
      ['relay/beta', `${name} must be an absolute http(s) URL`],
      ['ftp://relay.example/beta', `${name} must use http or https`],
      ['https://bob:hunter2-secret@relay.example/beta', `${name} must not hold a user name or password`, 'bob:***@relay.example'],
      ['https://relay.example/beta?token=1', `${name} must not hold a query`],
    ]) {
      const r = start({ [name]: value! });
      expectOneLineRefusal(r, ...parts);
      expect(r.err + r.out).not.toContain('hunter2-secret');
    }
  });

  test('a .env that cannot be read stops serve, --reset-admin and --healthcheck in one line; --version still answers', () => {
    // A folder where the file should be (a volume mount of a missing file makes one): reading it
    // failed with EISDIR and Bun's uncaught-error dump of the minified source.
    for (const args of [[], ['--reset-admin'], ['--healthcheck']]) {
      const r = start({}, args, 'mkdir .env');
      expectOneLineRefusal(r, '.env: it is a directory (EISDIR)', 'KEY=value');
      expect(existsSync(join(r.cwd, 'data'))).toBe(false); // nothing was started
    }
    const v = start({}, ['--version'], 'mkdir .env');
    expect(v.code).toBe(0);
    expect(v.out).toStartWith('gophergate ');
  });

  test('a .env that starts with a byte-order mark has its first line read (a bad value there stops the start)', () => {
    // Notepad's UTF-8 has a BOM; the line's trim() drops it, so the first name is read as written.
    const r = start({}, [], "printf '\\357\\273\\277LLM_PROXY__UPSTREAM__CLIENT=curl\\n' > .env");
    expectOneLineRefusal(r, 'LLM_PROXY__UPSTREAM__CLIENT must be auto, socket or fetch (got "curl")');
  });

  test.skipIf(process.platform !== 'linux')('a disk that fills up while the first start migrates: one line, not the failed ROLLBACK\'s stack trace', () => {
    // A file-size limit stands in for a full disk (SIGXFSZ ignored: a write past it fails instead);
    // the migrations need more than 100 KB. SQLite then rolls back itself, and drizzle's own
    // ROLLBACK failed with "no transaction is active", which hid the cause behind a stack trace.
    const r = start({}, [], "trap '' XFSZ && ulimit -f 200");
    expectOneLineRefusal(r, 'cannot use the database ./data/gophergate.db', 'LLM_PROXY__DATABASE__PATH');
    expect(r.err).not.toContain('no transaction is active');
  });

  test.skipIf(process.platform !== 'linux')('under an open-file limit too low for the setting, a failing start shows its error alone, not that warning first', async () => {
    // A hard limit of 1000 fits about 468 requests, below the default 16,384: a start that serves warns.
    const low = 'ulimit -Sn 300 && ulimit -Hn 1000';
    const holder = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('taken') });
    try {
      // With a key set, nothing else is said (a first start without one reports the key file it wrote).
      const r = start({ LLM_PROXY__SERVER__PORT: String(holder.port), LLM_PROXY__ENCRYPTION_KEY: 'ab'.repeat(32) }, [], low);
      expectOneLineRefusal(r, `cannot listen on 127.0.0.1:${holder.port}`, 'is in use');
      expect(r.err).not.toContain('open-file limit');
      expect(r.err.trimStart()).toStartWith('gophergate: cannot listen');
    } finally {
      holder.stop(true);
    }
    const dir = mkdtempSync(join(tmpdir(), 'gg-startfail-fd-'));
    writeFileSync(join(dir, 'not-sqlite.db'), 'this is not a database, only text long enough to be read as a header.........');
    const r = start({ LLM_PROXY__DATABASE__PATH: join(dir, 'not-sqlite.db') }, [], low);
    expectOneLineRefusal(r, 'not a SQLite database');
    expect(r.err).not.toContain('open-file limit');
  });

  test('a port another gateway already listens on is in use too (no shared SO_REUSEPORT socket splitting its traffic)', async () => {
    const first = await startGateway();
    try {
      const port = new URL(first.url).port;
      const r = start({ LLM_PROXY__SERVER__PORT: port });
      expectOneLineRefusal(r, `cannot listen on 127.0.0.1:${port}`, 'is in use', 'LLM_PROXY__SERVER__PORT');
    } finally {
      await first.close();
    }
  });

  test('PostgreSQL unreachable: the URL without its password', () => {
    // Port 1 on loopback: refused at once.
    const r = start({ LLM_PROXY__DATABASE__URL: 'postgres://gg:hunter2-secret@127.0.0.1:1/gg', LLM_PROXY__ENCRYPTION_KEY: '11'.repeat(32) });
    expectOneLineRefusal(r, 'cannot use the PostgreSQL database postgres://gg:***@127.0.0.1:1/gg', 'LLM_PROXY__DATABASE__URL');
    // Bun's own words ("Failed to connect") do not say that a host name that does not resolve ends here too.
    expect(r.err).toContain('the host name does not resolve');
    expect(r.err).not.toContain('hunter2-secret');
  });

  test('PostgreSQL unreachable, the password given as a query parameter: not shown either', () => {
    const r = start({ LLM_PROXY__DATABASE__URL: 'postgres://gg@127.0.0.1:1/gg?password=hunter2-secret', LLM_PROXY__ENCRYPTION_KEY: '11'.repeat(32) });
    expectOneLineRefusal(r, 'cannot use the PostgreSQL database postgres://gg@127.0.0.1:1/gg?password=...', 'LLM_PROXY__DATABASE__URL');
    expect(r.err).not.toContain('hunter2-secret');
  });

  test('a PostgreSQL URL its client cannot read: one line naming the setting, not a stack trace', () => {
    const key = { LLM_PROXY__ENCRYPTION_KEY: '11'.repeat(32) };
    for (const [url, why] of [
      ['postgres://gg:hunter2-secret@127.0.0.1:99999/gg', 'Invalid URL'],
      ['postgres://gg:100%-secret@127.0.0.1:5432/gg', 'URI error'],
      ['postgres://gg@127.0.0.1:5432/gg?sslmode=sometimes', 'sslmode'],
    ]) {
      const r = start({ LLM_PROXY__DATABASE__URL: url!, ...key });
      expectOneLineRefusal(r, 'LLM_PROXY__DATABASE__URL cannot be read as a PostgreSQL URL', why!, 'percent-encoded');
      expect(r.err).not.toContain('secret');
    }
  });

  test('a PostgreSQL URL naming no database: refused before connecting (the tables would land in the database named after the user)', () => {
    const key = { LLM_PROXY__ENCRYPTION_KEY: '11'.repeat(32) };
    // Port 1 on loopback: were it to connect, it would fail with "cannot use the PostgreSQL database" instead.
    for (const url of ['postgres://gg:hunter2-secret@127.0.0.1:1/', 'postgres://gg@127.0.0.1:1', 'postgresql://gg@127.0.0.1:1/?sslmode=disable']) {
      const r = start({ LLM_PROXY__DATABASE__URL: url, ...key });
      expectOneLineRefusal(r, 'LLM_PROXY__DATABASE__URL names no database', '://gg', '127.0.0.1:1/gophergate');
      expect(r.err).not.toContain('hunter2-secret');
      expect(r.err).not.toContain('cannot use the PostgreSQL database');
    }
    // --reset-admin reads the same setting.
    expectOneLineRefusal(start({ LLM_PROXY__DATABASE__URL: 'postgres://gg@127.0.0.1:1/', ...key }, ['--reset-admin']), 'LLM_PROXY__DATABASE__URL names no database');
  });

  test('a Redis URL that is not one is refused without showing its password', () => {
    const r = start({ LLM_PROXY__REDIS__URL: 'redis://:hunter2-secret@127.0.0.1:99999' });
    expectOneLineRefusal(r, 'LLM_PROXY__REDIS__URL must be a URL', 'redis://:***@127.0.0.1:99999');
    expect(r.err).not.toContain('hunter2-secret');
  });

  test('a Redis URL whose database number is not one is refused in one line (Bun threw it from a timer: a stack trace, the process gone)', () => {
    for (const db of ['abc', '-1', '2/3', '99999999999', '2x']) {
      const r = start({ LLM_PROXY__REDIS__URL: `redis://:hunter2-secret@127.0.0.1:1/${db}` });
      expectOneLineRefusal(r, 'LLM_PROXY__REDIS__URL', 'database number', `"/${db}"`, 'redis://host:6379/2');
      expect(r.err).not.toContain('hunter2-secret');
    }
  });
});

describe('Redis not answering at start', () => {
  test('the start serves on and its warning names the URL (without its password) and why', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gg-startredis-'));
    const p = Bun.spawn(['bun', MAIN], {
      cwd,
      env: {
        PATH: process.env.PATH!,
        HOME: process.env.HOME ?? '/tmp',
        LLM_PROXY__SERVER__HOST: '127.0.0.1',
        LLM_PROXY__SERVER__PORT: '0',
        // Port 1 on loopback: refused at once, whether or not a Redis runs on this machine.
        LLM_PROXY__REDIS__URL: 'redis://:hunter2-secret@127.0.0.1:1',
      },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    try {
      let out = '';
      const reader = p.stdout.getReader();
      while (!out.includes('listening on')) {
        const { value, done } = await reader.read();
        if (done) break;
        out += new TextDecoder().decode(value);
      }
      expect(out).toContain('listening on');
    } finally {
      p.kill('SIGTERM');
      await p.exited;
    }
    const err = await new Response(p.stderr).text();
    const line = err.split('\n').find((l) => l.includes('Redis at')) ?? '';
    expect(line).toMatch(/^gophergate: Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1 is unreachable \(.+\); serving on/);
    expect(line).toContain('LLM_PROXY__REDIS__URL');
    expect(err).not.toContain('hunter2-secret');
  });
});

describe('startupFailureMessage', () => {
  const config = loadConfig({ LLM_PROXY__DATABASE__PATH: '/srv/gw/data/gophergate.db' });
  const fsError = (code: string, path?: string) => Object.assign(new Error(`${code}: failed`), { code, path });

  test.each([
    ['EROFS', 'the file system is read-only'],
    ['EACCES', 'permission denied'],
    ['ENOSPC', 'the disk is full'],
    ['SQLITE_FULL', 'the disk is full'],
    ['SQLITE_READONLY', 'the database is read-only'],
    ['SQLITE_IOERR_WRITE', 'a disk I/O error'],
    // A stack trace before: a path of looping symlinks, a name past the file system's limit, the binary itself.
    ['ELOOP', 'a symbolic link in the path loops'],
    ['ENAMETOOLONG', 'the path is too long'],
    ['ETXTBSY', 'the file is a running program'],
  ])('%s on the database names the file, the reason and the setting', (code, reason) => {
    const message = startupFailureMessage(fsError(code, '/srv/gw/data'), 'store', config)!;
    expect(message).toContain('cannot use the database /srv/gw/data/gophergate.db (/srv/gw/data)');
    expect(message).toContain(reason);
    expect(message).toContain('LLM_PROXY__DATABASE__PATH');
  });

  test("SQLite's own SQLITE_BUSY (another program's lock held past the start's minute of waiting) names the file and why", () => {
    // It followed a minute of silence with a stack trace and a screen of minified source.
    const dbPath = join(mkdtempSync(join(tmpdir(), 'gg-startfail-busy-')), 'gophergate.db');
    const holder = new Database(dbPath, { create: true });
    holder.run('BEGIN EXCLUSIVE');
    holder.run('CREATE TABLE held (x)');
    let busy: unknown;
    try {
      new Database(dbPath).run('BEGIN IMMEDIATE');
    } catch (err) {
      busy = err;
    } finally {
      holder.run('ROLLBACK');
    }
    const message = startupFailureMessage(busy, 'store', loadConfig({ LLM_PROXY__DATABASE__PATH: dbPath }));
    expect(message).toBe(
      `cannot use the database ${dbPath}: another program kept it locked past the start's wait (a sqlite3 shell inside a transaction, a backup) (SQLITE_BUSY). ` +
        'Set LLM_PROXY__DATABASE__PATH to a file on a writable disk with free space (its folder is created), or fix this one.',
    );
  });

  test('a defect is not dressed up: it keeps its stack', () => {
    expect(startupFailureMessage(new TypeError('x is undefined'), 'store', config)).toBeNull();
    expect(startupFailureMessage(new TypeError('x is undefined'), 'listen', config)).toBeNull();
  });
});
