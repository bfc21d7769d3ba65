import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from 'bun:sqlite';
import pkg from '../../package.json';
import { parseArgs } from '../../src/cli-args';
import { localUrl } from '../../src/startup/local-url';
import { startGatewayProcess } from '../helpers/gateway-process';

// Each test spawns bun: seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(30_000);

const MAIN = join(import.meta.dir, '../../src/main.ts');

function run(args: string[], env: Record<string, string> = {}, cwd = mkdtempSync(join(tmpdir(), 'gg-cli-'))) {
  const p = Bun.spawnSync(['bun', MAIN, ...args], { cwd, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...env }, timeout: 25_000 });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString(), cwd };
}

describe('command line', () => {
  test('--version prints gophergate <x.y.z>', () => {
    const r = run(['--version']);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(`gophergate ${pkg.version}`);
  });

  test('--help lists the commands', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--reset-admin');
  });

  test("the Go gateway's single-dash spellings are the same commands", () => {
    expect(parseArgs(['-reset-admin'])).toEqual({ kind: 'reset-admin' });
    expect(parseArgs(['-version'])).toEqual({ kind: 'version' });
    expect(parseArgs(['-help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['-healthcheck'])).toEqual({ kind: 'healthcheck' });
    // Short flags stay short; unknown single-dash words are still errors naming what was typed.
    expect(parseArgs(['-v'])).toEqual({ kind: 'version' });
    expect(parseArgs(['-frobnicate'])).toEqual({ kind: 'error', message: 'unknown option -frobnicate' });
  });

  test("Go's -flag=value forms of the boolean options: true runs it, false leaves it out, another value is refused", () => {
    for (const v of ['true', '1', 't', 'TRUE', 'True']) expect(parseArgs([`-reset-admin=${v}`])).toEqual({ kind: 'reset-admin' });
    expect(parseArgs(['--version=true'])).toEqual({ kind: 'version' });
    expect(parseArgs(['-healthcheck=1'])).toEqual({ kind: 'healthcheck' });
    expect(parseArgs(['-reset-admin=false'])).toEqual({ kind: 'serve' });
    expect(parseArgs(['-reset-admin=0', '-version'])).toEqual({ kind: 'version' });
    expect(parseArgs(['-reset-admin=maybe'])).toEqual({ kind: 'error', message: 'invalid value "maybe" for option -reset-admin: use -reset-admin alone (or =true / =false)' });
    expect(parseArgs(['-frobnicate=1'])).toEqual({ kind: 'error', message: 'unknown option -frobnicate' });
  });

  test('-reset-admin=true resets admin as the binary would; -reset-admin=yes exits 2 naming the value', () => {
    const r = run(['-reset-admin=true'], { LLM_PROXY__DATABASE__PATH: './data/cli.db' });
    expect({ code: r.code, out: r.out }).toEqual({ code: 0, out: expect.stringContaining("reset user 'admin'") });
    const admin = new Database(join(r.cwd, 'data/cli.db'), { readonly: true }).query("SELECT must_change_password AS m FROM users WHERE username = 'admin'").get() as { m: number };
    expect(admin.m).toBe(1);
    const bad = run(['-reset-admin=yes']);
    expect({ code: bad.code, err: bad.err }).toEqual({ code: 2, err: expect.stringContaining('invalid value "yes" for option -reset-admin') });
    expect(existsSync(join(bad.cwd, 'data'))).toBe(false);
  });

  test('-version and -help run as the binary would', () => {
    expect(run(['-version']).out.trim()).toBe(`gophergate ${pkg.version}`);
    const help = run(['-help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('-reset-admin');
  });

  test('an unknown option exits 2 with help', () => {
    const r = run(['--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown option --frobnicate');
  });

  test('a flag from other servers (--port 9000) is named as unknown, not as one option too many; settings are variables', () => {
    expect(parseArgs(['--port', '9000'])).toEqual({ kind: 'error', message: 'unknown option --port (settings are environment variables or .env lines: LLM_PROXY__SERVER__PORT, see below)' });
    expect(parseArgs(['-p', '9000'])).toEqual({ kind: 'error', message: 'unknown option -p (settings are environment variables or .env lines: LLM_PROXY__SERVER__PORT, see below)' });
    expect(parseArgs(['--host=127.0.0.1'])).toEqual({ kind: 'error', message: 'unknown option --host (settings are environment variables or .env lines: LLM_PROXY__SERVER__HOST, see below)' });
    expect(parseArgs(['--db', 'x.db'])).toEqual({ kind: 'error', message: 'unknown option --db (settings are environment variables or .env lines: LLM_PROXY__DATABASE__PATH, see below)' });
    expect(parseArgs(['--version', '--frobnicate'])).toEqual({ kind: 'error', message: 'unknown option --frobnicate' });
    // Two known options are still one too many.
    expect(parseArgs(['--version', '--help'])).toEqual({ kind: 'error', message: 'expected at most one option, got: --version --help' });
  });

  test('a malformed setting stops the start with a fix-it message and no secret', () => {
    const r = run([], { LLM_PROXY__ENCRYPTION_KEY: 'not-a-key', OPENAI_API_KEY: 'sk-secret-value' });
    expect(r.code).toBe(1);
    expect(r.err).toContain('LLM_PROXY__ENCRYPTION_KEY must be 32 bytes as hex or base64');
    expect(r.err).toContain('openssl rand -hex 32');
    expect(r.err + r.out).not.toContain('sk-secret-value');
  });

  test.each(['--reset-admin', '-reset-admin'])('%s creates the database when missing, resets admin and exits 0', (flag) => {
    const r = run([flag]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("'admin'");
    const db = new Database(join(r.cwd, 'data', 'gophergate.db'));
    const admin = db.query("select password_hash, must_change_password from users where username='admin'").get() as any;
    expect(admin.must_change_password).toBe(1);
    expect(Bun.password.verifySync('admin123', admin.password_hash)).toBe(true);
    expect(existsSync(join(r.cwd, 'data', 'gophergate.db'))).toBe(true);
    // Made, not found: said on stderr, so a reset run from the wrong folder is not taken for the gateway's.
    expect(r.err).toContain(`there was no database at ${join(r.cwd, 'data', 'gophergate.db')}, so --reset-admin created a new one there`);
    expect(r.err).toContain('LLM_PROXY__DATABASE__PATH');
  });

  test('--reset-admin on an existing database says nothing of a new one', () => {
    const first = run(['--reset-admin']);
    const again = run(['--reset-admin'], {}, first.cwd);
    expect({ code: again.code, out: again.out }).toEqual({ code: 0, out: expect.stringContaining("reset user 'admin'") });
    expect(again.err).not.toContain('there was no database');
  });
});

describe('--healthcheck', () => {
  /** `--healthcheck` against 127.0.0.1:`port`, async: this process serves the fake /health meanwhile. */
  async function probeAsync(port: number, env: Record<string, string> = {}) {
    const p = Bun.spawn(['bun', MAIN, '--healthcheck'], {
      cwd: mkdtempSync(join(tmpdir(), 'gg-health-')), stdout: 'pipe', stderr: 'pipe', timeout: 25_000,
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', LLM_PROXY__SERVER__HOST: '127.0.0.1', LLM_PROXY__SERVER__PORT: String(port), ...env },
    });
    return { code: await p.exited, err: await new Response(p.stderr).text() };
  }

  test('probes the server where LLM_PROXY__SERVER__HOST puts it, not always 127.0.0.1', async () => {
    // 127.0.0.2 is loopback on Linux but not 127.0.0.1: a probe of 127.0.0.1 finds nothing there.
    const cwd = mkdtempSync(join(tmpdir(), 'gg-health-'));
    const gw = await startGatewayProcess({ cwd, dbPath: join(cwd, 'gg.db'), adminPassword: 'health-check-pass', env: { LLM_PROXY__SERVER__HOST: '127.0.0.2' } });
    try {
      const env = { LLM_PROXY__SERVER__HOST: '127.0.0.2', LLM_PROXY__SERVER__PORT: String(gw.port) };
      const healthy = run(['--healthcheck'], env);
      expect({ code: healthy.code, err: healthy.err }).toEqual({ code: 0, err: '' });
      expect(run(['-healthcheck'], env).code).toBe(0);
      // Nothing answers on 127.0.0.1 at that port: the check must fail there, or it proves nothing,
      // and it says so in one line (a container's health log shows it).
      const refused = run(['--healthcheck'], { ...env, LLM_PROXY__SERVER__HOST: '127.0.0.1' });
      expect(refused.code).toBe(1);
      expect(refused.err).toBe(`gophergate: healthcheck failed: connection refused at 127.0.0.1:${gw.port} (is the server running there?)\n`);
    } finally {
      gw.proc.kill('SIGTERM');
      await gw.proc.exited;
    }
  });

  test('an error status fails with the status named; a degraded server passes but says why', async () => {
    let answer = new Response('busy', { status: 503 });
    const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (req) => (new URL(req.url).pathname === '/health' ? answer.clone() : new Response('no', { status: 404 })) });
    const probe = () => probeAsync(server.port!);
    try {
      expect(await probe()).toEqual({ code: 1, err: `gophergate: healthcheck failed: http://127.0.0.1:${server.port}/health answered HTTP 503\n` });
      answer = Response.json({ status: 'degraded', store: 'postgres', store_reachable: false, redis: 'down', log_queue: { depth: 3, dropped: 0 } });
      expect(await probe()).toEqual({ code: 0, err: `gophergate: healthcheck: http://127.0.0.1:${server.port}/health answers but is degraded: postgres unreachable, redis down\n` });
    } finally {
      server.stop(true);
    }
  });

  test("a proxy in the environment (HTTP_PROXY, ALL_PROXY, for the upstreams) is not asked: the local server is probed directly", async () => {
    // Bun's fetch sent the probe of 127.0.0.1 through HTTP_PROXY: a container or host whose proxy is
    // set for the providers was unhealthy (deploy.sh rolled back) while the gateway served.
    const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => Response.json({ status: 'ok' }) });
    const proxied: string[] = [];
    const proxy = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (req) => (proxied.push(req.url), new Response('proxy refuses', { status: 502 })) });
    const via = `http://127.0.0.1:${proxy.port}`;
    try {
      for (const env of [{ HTTP_PROXY: via, HTTPS_PROXY: via }, { http_proxy: via }, { ALL_PROXY: via }] as Record<string, string>[]) {
        expect({ env, ...(await probeAsync(server.port!, env)) }).toEqual({ env, code: 0, err: '' });
      }
      expect(proxied).toEqual([]);
    } finally {
      server.stop(true);
      proxy.stop(true);
    }
  });

  test('a wildcard address is probed on loopback; IPv6 literals go in brackets', () => {
    expect(localUrl('0.0.0.0', 8080, '/health')).toBe('http://127.0.0.1:8080/health');
    expect(localUrl('::', 8080, '/health')).toBe('http://[::1]:8080/health');
    expect(localUrl('[::]', 8080, '/health')).toBe('http://[::1]:8080/health');
    expect(localUrl('::1', 9000, '/health')).toBe('http://[::1]:9000/health');
    expect(localUrl('10.0.0.5', 8080, '/health')).toBe('http://10.0.0.5:8080/health');
    expect(localUrl('localhost', 8080, '/health')).toBe('http://localhost:8080/health');
  });
});
