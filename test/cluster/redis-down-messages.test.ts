/**
 * What an operator reads on stderr when Redis is unreachable: at start, and when it goes away under
 * a running instance, the line says what limited keys get meanwhile (the fail mode), not only that
 * Redis is gone; the limit counters' own warnings reach stderr (before, main gave them nowhere to go).
 * A wrong LLM_PROXY__REDIS__URL against a Redis that asks for a password: the warning says what is
 * wrong with it. Bun's client says only "Connection closed" for a wrong password, a missing one, a
 * TLS mismatch and a refused port alike, so the warning read `is unreachable (Connection closed)`
 * for each: an outage, to whoever reads it. The right URL with a database number connects, and the
 * gateway's keys land in that database.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diagnoseRedisUrl } from '../../src/redis/redis-diagnosis';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process';
import { eventually } from '../helpers/redis-env';
import { startOwnRedis, type OwnRedis } from './own-redis';

setDefaultTimeout(60_000);

let dir: string;
let redis: OwnRedis;
/** A Redis that asks for PASSWORD. */
let locked: OwnRedis;
const PASSWORD = 'url-reasons-s3cret';
const procs: GatewayProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gg-redis-messages-'));
  redis = await startOwnRedis();
  locked = await startOwnRedis({ password: PASSWORD });
});
afterAll(async () => {
  for (const p of procs) {
    p.proc.kill('SIGKILL');
    await p.proc.exited;
  }
  await redis?.close();
  await locked?.close();
  rmSync(dir, { recursive: true, force: true });
});

const start = async (name: string, env: Record<string, string>) => {
  const p = await startGatewayProcess({ cwd: dir, dbPath: join(dir, `${name}.db`), adminPassword: 'Sup3r-secret-pw!', env: { LLM_PROXY__REDIS__PREFIX: `gg-messages-${name}:`, ...env } });
  procs.push(p);
  return p;
};

test('Redis unreachable at start, fail mode closed: the warning says limited keys get 503 meanwhile', async () => {
  await redis.kill();
  try {
    const p = await start('at-start', { LLM_PROXY__REDIS__URL: redis.url, LLM_PROXY__LIMITS__FAIL_MODE: 'closed' });
    expect(await eventually(() => p.out().includes('is unreachable'), 10_000)).toBe(true);
    expect(p.out()).toContain('keys with limits get 503 limits_unavailable meanwhile (LLM_PROXY__LIMITS__FAIL_MODE=closed)');
  } finally {
    await redis.start();
  }
});

test('Redis lost under a running instance: stderr says limits are counted by each instance meanwhile, then that it is back', async () => {
  const p = await start('lost', { LLM_PROXY__REDIS__URL: redis.url });
  expect(await eventually(async () => ((await (await fetch(`${p.url}/health`)).json()) as { redis: string }).redis === 'ok', 10_000)).toBe(true);
  await redis.kill();
  expect(await eventually(() => p.out().includes('limits: Redis unreachable'), 10_000)).toBe(true);
  expect(p.out()).toContain("limits are enforced from each instance's own counters meanwhile (LLM_PROXY__LIMITS__FAIL_MODE=open)");
  await redis.start();
  expect(await eventually(() => p.out().includes('redis: connection restored'), 10_000)).toBe(true);
});

/** The start's warning about Redis (printed before the line saying it listens). */
const redisLine = (p: GatewayProcess) => p.out().split('\n').find((l) => l.includes('Redis at')) ?? '';
const hostPort = () => `127.0.0.1:${locked.port}`;

// Each case starts its own process against the locked Redis: they start side by side (test.concurrent).
describe('the start warning says why the Redis URL does not connect', () => {
  test.concurrent('a wrong password: Redis refused it (WRONGPASS), the password not shown', async () => {
    const p = await start('wrong', { LLM_PROXY__REDIS__URL: `redis://:not-the-password@${hostPort()}/3` });
    expect(redisLine(p)).toContain("Redis refused the URL's user or password: WRONGPASS");
    expect(p.out()).not.toContain('not-the-password');
    expect(p.out()).not.toContain('Connection closed');
  });

  test.concurrent('no password in the URL: Redis asks for one, and how to write it', async () => {
    const p = await start('none', { LLM_PROXY__REDIS__URL: `redis://${hostPort()}` });
    expect(redisLine(p)).toContain('Redis asks for a password the URL does not give; write it as redis://:password@host:port');
  });

  test.concurrent('rediss:// to a Redis without TLS: the handshake is named, and redis:// suggested', async () => {
    const p = await start('tls', { LLM_PROXY__REDIS__URL: `rediss://:${PASSWORD}@${hostPort()}` });
    expect(redisLine(p)).toMatch(/TLS handshake with 127\.0\.0\.1:\d+.*a Redis without TLS takes redis:\/\//);
    expect(p.out()).not.toContain(PASSWORD);
  });

  test.concurrent('the right password and a database number: connected, the keys in that database', async () => {
    const p = await start('right', { LLM_PROXY__REDIS__URL: `redis://:${PASSWORD}@${hostPort()}/3` });
    expect(redisLine(p)).toBe('');
    expect(((await (await fetch(`${p.url}/health`)).json()) as { redis: string }).redis).toBe('ok');
    const keys = async (db: number) => {
      const cli = Bun.spawn(['redis-cli', '-p', String(locked.port), '--no-auth-warning', '-a', PASSWORD, '-n', String(db), 'KEYS', 'gg-messages-right:*'], { stdout: 'pipe' });
      const out = await new Response(cli.stdout).text();
      await cli.exited;
      return out.trim();
    };
    expect(await eventually(async () => (await keys(3)).length > 0, 10_000)).toBe(true);
    expect(await keys(0)).toBe('');
  });
});

describe('diagnoseRedisUrl', () => {
  test('a port nothing listens on, a socket path with nothing there, and a port that is no Redis', async () => {
    const s = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
    const free = s.port;
    s.stop(true);
    expect(await diagnoseRedisUrl(`redis://127.0.0.1:${free}`)).toBe(`nothing accepted the connection at 127.0.0.1:${free}: Redis is down, or the host or port is wrong`);
    expect(await diagnoseRedisUrl(`redis+unix://${dir}/no-redis.sock`)).toBe(`no socket at ${dir}/no-redis.sock: Redis is down, or the path is wrong`);
    const http = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('hi') });
    try {
      expect(await diagnoseRedisUrl(`redis://127.0.0.1:${http.port}`)).toBe('the server does not answer as Redis; a TLS-only port? then use rediss://');
    } finally {
      http.stop(true);
    }
  });

  test('a server that takes the connection and never answers: said within the wait, not hung on', async () => {
    const silent = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
    try {
      expect(await diagnoseRedisUrl(`redis://127.0.0.1:${silent.port}`, 200)).toBe(`127.0.0.1:${silent.port} accepted the connection but did not answer within 0.2 s`);
    } finally {
      silent.stop(true);
    }
  });

  test('rediss:// to a Redis whose certificate is not trusted: NODE_EXTRA_CA_CERTS named; redis:// to its TLS port: rediss:// named', async () => {
    const key = join(dir, 'tls.key');
    const crt = join(dir, 'tls.crt');
    const made = Bun.spawnSync(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stderr: 'ignore', timeout: 30_000 });
    expect(made.exitCode).toBe(0);
    const s = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
    const port = s.port;
    s.stop(true);
    const tls = Bun.spawn(['redis-server', '--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--tls-cert-file', crt, '--tls-key-file', key, '--tls-auth-clients', 'no', '--save', '', '--appendonly', 'no', '--dir', dir], { stdout: 'ignore', stderr: 'ignore' });
    try {
      const listening = async () => (await diagnoseRedisUrl(`redis://127.0.0.1:${port}`, 500)) !== `nothing accepted the connection at 127.0.0.1:${port}: Redis is down, or the host or port is wrong`;
      expect(await eventually(listening, 10_000)).toBe(true);
      expect(await diagnoseRedisUrl(`rediss://127.0.0.1:${port}`)).toMatch(new RegExp(`^the TLS certificate of 127\\.0\\.0\\.1:${port} is not trusted \\(.+\\); give its CA certificate in NODE_EXTRA_CA_CERTS$`));
      expect(await diagnoseRedisUrl(`redis://127.0.0.1:${port}`)).toBe(`127.0.0.1:${port} closed the connection without answering; a TLS-only port? then use rediss://`);
    } finally {
      tls.kill('SIGKILL');
      await tls.exited;
    }
  });

  test('a URL Redis accepts: no reason (the failure was something else)', async () => {
    expect(await diagnoseRedisUrl(`redis://:${PASSWORD}@${hostPort()}/3`)).toBeNull();
  });
});

test('two deployments on one Redis prefix (their encryption keys differ): the one that connects second says so; another instance of it does not', async () => {
  const env = (key: string) => ({ LLM_PROXY__REDIS__URL: redis.url, LLM_PROXY__REDIS__PREFIX: 'gg-messages-shared:', LLM_PROXY__ENCRYPTION_KEY: key });
  const up = async (p: GatewayProcess) => expect(await eventually(async () => ((await (await fetch(`${p.url}/health`)).json()) as { redis: string }).redis === 'ok', 10_000)).toBe(true);
  const first = await start('deploy-one', env('12'.repeat(32)));
  await up(first);
  const second = await start('deploy-two', env('34'.repeat(32)));
  await up(second);
  const line = 'another gateway used this Redis (prefix gg-messages-shared:) with a different LLM_PROXY__ENCRYPTION_KEY';
  expect(await eventually(() => second.out().includes(line), 5_000)).toBe(true);
  expect(second.out()).toContain('give each its own LLM_PROXY__REDIS__PREFIX');
  const sibling = await start('deploy-two-b', env('34'.repeat(32)));
  await up(sibling);
  await Bun.sleep(300);
  expect(sibling.out()).not.toContain('another gateway used this Redis');
  expect(first.out()).not.toContain('another gateway used this Redis');
});
