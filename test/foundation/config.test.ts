import { describe, expect, test } from 'bun:test';
import { ConfigError, loadConfig } from '../../src/config/config';
import { parseDotenv, environmentWithDotenv, exportDotenv } from '../../src/config/dotenv';
import { redisUnusedSettingWarnings, unknownSettingWarnings } from '../../src/config/unknown-settings';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('loadConfig', () => {
  test("defaults match the README's configuration table", () => {
    const c = loadConfig({});
    expect(c.server).toEqual({ host: '0.0.0.0', port: 8080, maxBodyMb: 32, bodyTimeoutS: 60, keepAliveTimeoutS: 30 });
    expect(c.database.path).toBe('./data/gophergate.db');
    expect(c.upstream).toEqual({ timeoutS: 600, idleTimeoutS: 120, maxConnections: 16_384, queueTimeoutS: 10, client: 'auto' });
    expect(c.logging.retentionDays).toBe(30);
    expect(c.security.imageUrlAllowHosts).toEqual([]);
    expect(c.providers.openai!.apiKey).toBeUndefined();
  });

  test('the upstream client: auto by default, socket or fetch when asked, fetch when a proxy is set (only fetch honours one)', () => {
    expect(loadConfig({}).upstream.client).toBe('auto');
    expect(loadConfig({ LLM_PROXY__UPSTREAM__CLIENT: 'AUTO' }).upstream.client).toBe('auto');
    expect(loadConfig({ LLM_PROXY__UPSTREAM__CLIENT: 'fetch' }).upstream.client).toBe('fetch');
    expect(loadConfig({ LLM_PROXY__UPSTREAM__CLIENT: ' Socket ' }).upstream.client).toBe('socket');
    expect(loadConfig({ HTTPS_PROXY: 'http://127.0.0.1:3128' }).upstream.client).toBe('fetch');
    expect(loadConfig({ http_proxy: 'http://127.0.0.1:3128', LLM_PROXY__UPSTREAM__CLIENT: 'socket' }).upstream.client).toBe('socket');
    expect(() => loadConfig({ LLM_PROXY__UPSTREAM__CLIENT: 'curl' })).toThrow(/LLM_PROXY__UPSTREAM__CLIENT must be auto, socket or fetch/);
  });

  test('reads namespaced and plain provider settings; namespaced key wins', () => {
    const c = loadConfig({
      OPENAI_API_KEY: 'sk-plain',
      LLM_PROXY__PROVIDERS__GROK__API_KEY: 'xai-ns',
      GROK_API_KEY: 'xai-plain',
      LLM_PROXY__PROVIDERS__OLLAMA__BASE_URL: 'http://127.0.0.1:11434/v1/',
      LLM_PROXY__PROVIDERS__OLLAMA__MODELS: 'llama3, qwen3 ,',
      LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true',
      LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS: '127.0.0.1,localhost',
    });
    expect(c.providers.openai!.apiKey).toBe('sk-plain');
    expect(c.providers.grok!.apiKey).toBe('xai-ns');
    expect(c.providers.ollama!.baseUrl).toBe('http://127.0.0.1:11434/v1');
    expect(c.providers.ollama!.models).toEqual(['llama3', 'qwen3']);
    expect(c.providers.mock!.enabled).toBe(true);
    expect(c.security.imageUrlAllowHosts).toEqual(['127.0.0.1', 'localhost']);
  });

  test('LLM_PROXY__SERVER__HOST is trimmed, blank is the default', () => {
    expect(loadConfig({ LLM_PROXY__SERVER__HOST: ' 127.0.0.1\n' }).server.host).toBe('127.0.0.1');
    expect(loadConfig({ LLM_PROXY__SERVER__HOST: '\t::1 ' }).server.host).toBe('::1');
    expect(loadConfig({ LLM_PROXY__SERVER__HOST: ' \n' }).server.host).toBe('0.0.0.0');
  });

  test('LLM_PROXY__DATABASE__PATH is trimmed, blank is the default, :memory: is refused', () => {
    expect(loadConfig({ LLM_PROXY__DATABASE__PATH: ' /srv/gw/gg.db \n' }).database.path).toBe('/srv/gw/gg.db');
    expect(loadConfig({ LLM_PROXY__DATABASE__PATH: '  ' }).database.path).toBe('./data/gophergate.db');
    expect(() => loadConfig({ LLM_PROXY__DATABASE__PATH: ':memory:' })).toThrow(/^LLM_PROXY__DATABASE__PATH cannot be :memory:/);
  });

  test('LLM_PROXY__DATABASE__PATH starting with ~ is refused (nothing expands it: it made a folder named ~ in the working directory)', () => {
    for (const path of ['~/gg/x.db', '~', ' ~admin/gg.db'])
      expect(() => loadConfig({ LLM_PROXY__DATABASE__PATH: path })).toThrow(/^LLM_PROXY__DATABASE__PATH starts with ~, which is not expanded/);
    // A folder really named ~, written so; a ~ later in the path is an ordinary character.
    expect(loadConfig({ LLM_PROXY__DATABASE__PATH: './~/x.db' }).database.path).toBe('./~/x.db');
    expect(loadConfig({ LLM_PROXY__DATABASE__PATH: '/srv/a~b/x.db' }).database.path).toBe('/srv/a~b/x.db');
  });

  test('LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS takes host names and IP addresses; a URL, a port or a space stops the start naming the entry', () => {
    const hosts = 'images.internal, 10.0.0.5,::1,[fd00::1],xn--bcher-kva.de,minio_1';
    expect(loadConfig({ LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS: hosts }).security.imageUrlAllowHosts).toEqual(['images.internal', '10.0.0.5', '::1', '[fd00::1]', 'xn--bcher-kva.de', 'minio_1']);
    // Each of these never matched a URL's host: the allowance silently did not apply.
    const refusals: [string, RegExp][] = [
      ['http://images.internal:9000/', /holds "http:\/\/images.internal:9000\/": write the host alone, without a scheme or path/],
      ['a.test,minio:9000', /holds "minio:9000": write the host without a port/],
      ['[::1]:8080', /holds "\[::1\]:8080": write the host without a port/],
      ['images internal', /holds "images internal": it is not a host name or IP address/],
    ];
    for (const [value, message] of refusals) expect(() => loadConfig({ LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS: value })).toThrow(message);
  });

  test('a URL with a line break, tab or bidi character inside stops the start (URL parsing would drop it and reach another host)', () => {
    for (const bad of ['https://api.openai.com\n.example.net/v1', 'https://api.openai.com\t.example.net', 'https://api.openai.com\u202e.ten.example']) {
      expect(() => loadConfig({ LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: bad })).toThrow(/^LLM_PROXY__PROVIDERS__OPENAI__BASE_URL holds a control/);
    }
    expect(loadConfig({ LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: ' https://api.openai.com/v1/ \n' }).providers.openai!.baseUrl).toBe('https://api.openai.com/v1');
  });

  test('a provider key from the environment is trimmed; one with a space, a control or a non-ASCII character stops the start naming its variable', () => {
    expect(loadConfig({ OPENAI_API_KEY: '  sk-pasted-with-newline\n' }).providers.openai!.apiKey).toBe('sk-pasted-with-newline');
    expect(() => loadConfig({ OPENAI_API_KEY: 'sk-two words' })).toThrow(/^OPENAI_API_KEY must be printable ASCII/);
    expect(() => loadConfig({ LLM_PROXY__PROVIDERS__DEEPSEEK__API_KEY: 'sk-\u0000nul' })).toThrow(/^LLM_PROXY__PROVIDERS__DEEPSEEK__API_KEY must be printable ASCII/);
    expect(() => loadConfig({ GEMINI_API_KEY: '\u201csk-quoted\u201d' })).toThrow(/^GEMINI_API_KEY must be printable ASCII/);
    // A blank namespaced key (a .env template's `LLM_PROXY__PROVIDERS__OPENAI__API_KEY=`) does not hide the plain one.
    expect(loadConfig({ LLM_PROXY__PROVIDERS__OPENAI__API_KEY: '  ', OPENAI_API_KEY: 'sk-plain' }).providers.openai!.apiKey).toBe('sk-plain');
    // The message names the variable, never the key.
    expect(() => loadConfig({ OPENAI_API_KEY: 'sk-secret value' })).not.toThrow(/secret/);
  });

  test.each([
    ['LLM_PROXY__SERVER__PORT', 'abc', /LLM_PROXY__SERVER__PORT must be a whole number from 0 to 65535/],
    ['LLM_PROXY__SERVER__PORT', '70000', /LLM_PROXY__SERVER__PORT/],
    ['LLM_PROXY__SERVER__MAX_BODY_MB', '-1', /LLM_PROXY__SERVER__MAX_BODY_MB must be a decimal number/],
    ['LLM_PROXY__UPSTREAM__TIMEOUT_S', 'soon', /LLM_PROXY__UPSTREAM__TIMEOUT_S/],
    ['LLM_PROXY__PROVIDERS__OPENAI__ENABLED', 'maybe', /LLM_PROXY__PROVIDERS__OPENAI__ENABLED must be true or false/],
    ['LLM_PROXY__PROVIDERS__OPENAI__BASE_URL', 'not a url', /absolute http\(s\) URL/],
    ['LLM_PROXY__PROVIDERS__OPENAI__BASE_URL', 'ftp://x.example/v1', /must use http or https/],
    ['LLM_PROXY__PROVIDERS__DEEPSEEK__BETA_BASE_URL', 'not a url', /^LLM_PROXY__PROVIDERS__DEEPSEEK__BETA_BASE_URL must be an absolute http\(s\) URL/],
    ['LLM_PROXY__PROVIDERS__DEEPSEEK__BETA_BASE_URL', 'ftp://relay.example/beta', /^LLM_PROXY__PROVIDERS__DEEPSEEK__BETA_BASE_URL must use http or https/],
    // Neither would reach the upstream as written: the user:password is not sent, the path lands in the query.
    ['LLM_PROXY__PROVIDERS__DEEPSEEK__BETA_BASE_URL', 'https://bob:hunter2@relay.example/beta', /^LLM_PROXY__PROVIDERS__DEEPSEEK__BETA_BASE_URL must not hold a user name or password \(got "https:\/\/bob:\*\*\*@relay.example\/beta"\)/],
    ['LLM_PROXY__PROVIDERS__DEEPSEEK__BETA_BASE_URL', 'https://relay.example/beta?key=1', /^LLM_PROXY__PROVIDERS__DEEPSEEK__BETA_BASE_URL must not hold a query \(\?\) or fragment/],
    ['LLM_PROXY__PROVIDERS__DEEPSEEK__BETA_BASE_URL', 'https://relay.example/beta#x', /must not hold a query \(\?\) or fragment/],
    ['LLM_PROXY__PROVIDERS__OPENAI__BASE_URL', 'https://relay.example/v1?', /^LLM_PROXY__PROVIDERS__OPENAI__BASE_URL must not hold a query/],
    ['LLM_PROXY__PROVIDERS__OLLAMA__BASE_URL', 'http://admin@ollama.internal:11434/v1', /^LLM_PROXY__PROVIDERS__OLLAMA__BASE_URL must not hold a user name/],
    ['LLM_PROXY__LOGGING__RETENTION_DAYS', '0', /RETENTION_DAYS/],
    ['LLM_PROXY__UPSTREAM__MAX_CONNECTIONS', '0', /LLM_PROXY__UPSTREAM__MAX_CONNECTIONS must be a whole number from 1 to 65279/],
    ['LLM_PROXY__UPSTREAM__MAX_CONNECTIONS', '70000', /MAX_CONNECTIONS/],
    ['LLM_PROXY__UPSTREAM__QUEUE_TIMEOUT_S', '0', /LLM_PROXY__UPSTREAM__QUEUE_TIMEOUT_S must be a decimal number/],
    // Plain decimal only: Number() would read these as 80, 1000, 1, 80 and 16.
    ['LLM_PROXY__SERVER__PORT', '0x50', /LLM_PROXY__SERVER__PORT must be a whole number from 0 to 65535 in decimal digits \(got "0x50"\)/],
    ['LLM_PROXY__SERVER__PORT', '1e3', /LLM_PROXY__SERVER__PORT must be a whole number/],
    ['LLM_PROXY__SERVER__PORT', '0b1', /LLM_PROXY__SERVER__PORT/],
    ['LLM_PROXY__SERVER__PORT', '+80', /LLM_PROXY__SERVER__PORT/],
    ['LLM_PROXY__SERVER__PORT', '80.0', /LLM_PROXY__SERVER__PORT/],
    ['LLM_PROXY__UPSTREAM__MAX_CONNECTIONS', '0x10', /LLM_PROXY__UPSTREAM__MAX_CONNECTIONS/],
    ['LLM_PROXY__PROVIDERS__MOCK__CHUNKS', '1e1', /LLM_PROXY__PROVIDERS__MOCK__CHUNKS/],
    ['LLM_PROXY__SERVER__MAX_BODY_MB', '0x20', /LLM_PROXY__SERVER__MAX_BODY_MB must be a decimal number/],
    ['LLM_PROXY__SERVER__BODY_TIMEOUT_S', '6e1', /LLM_PROXY__SERVER__BODY_TIMEOUT_S/],
    ['LLM_PROXY__UPSTREAM__TIMEOUT_S', 'Infinity', /LLM_PROXY__UPSTREAM__TIMEOUT_S/],
    ['LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S', '-5', /LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S/],
    ['LLM_PROXY__LOGGING__RETENTION_DAYS', '3e1', /LLM_PROXY__LOGGING__RETENTION_DAYS/],
    ['LLM_PROXY__RESPONSES__RETENTION_DAYS', '0x1e', /LLM_PROXY__RESPONSES__RETENTION_DAYS/],
    ['LLM_PROXY__PROVIDERS__MOCK__LATENCY_MS', '1e2', /LLM_PROXY__PROVIDERS__MOCK__LATENCY_MS/],
  ])('%s=%s is refused with a message naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });
});

describe('LLM_PROXY__DATABASE__URL', () => {
  test('a URL without a database name is refused (Bun would use the database named after the user, often the shared `postgres`)', () => {
    for (const url of ['postgres://me@127.0.0.1:5432/', 'postgres://me@127.0.0.1:5432', 'postgres://me@127.0.0.1:5432/?sslmode=disable', 'postgres://me@db/%20']) {
      expect(() => loadConfig({ LLM_PROXY__DATABASE__URL: url })).toThrow(ConfigError);
      expect(() => loadConfig({ LLM_PROXY__DATABASE__URL: url })).toThrow(/names no database.*postgres:\/\/me@[^ ]+\/gophergate/);
    }
  });

  test('a database named in the path or by dbname= is taken', () => {
    for (const url of ['postgres://me@127.0.0.1:5432/gg', 'postgresql://me@127.0.0.1/postgres', 'postgres://me@127.0.0.1:5432/?dbname=gg', 'postgresql:///gg?host=/var/run/postgresql']) {
      expect(loadConfig({ LLM_PROXY__DATABASE__URL: url }).database.url).toBe(url);
    }
  });
});

describe('.env', () => {
  test('parses comments, quotes and export prefix', () => {
    expect(parseDotenv('# c\nexport A=1\nB="two words"\nC=\'x#y\'\nD=v # trailing\n\nbad line\n')).toEqual({
      A: '1',
      B: 'two words',
      C: 'x#y',
      D: 'v',
    });
  });

  test('a quoted value followed by a comment loses its quotes and the comment (as dotenv, Bun and Compose read it); CRLF lines too', () => {
    const text = 'LLM_PROXY__SERVER__PORT="9000" # main port\r\nOPENAI_API_KEY=\'sk-a b\'\t# prod\r\nC="a # b"  \r\nD="x"y\r\nE="unterminated # c\r\n';
    expect(parseDotenv(text)).toEqual({
      LLM_PROXY__SERVER__PORT: '9000',
      OPENAI_API_KEY: 'sk-a b',
      C: 'a # b',
      // Not one quoted value: kept as written (a comment still needs a space before its #).
      D: '"x"y',
      E: '"unterminated',
    });
  });

  test('real environment wins over .env', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gg-env-'));
    writeFileSync(join(dir, '.env'), 'LLM_PROXY__SERVER__PORT=9000\nLLM_PROXY__SERVER__HOST=127.0.0.1\n');
    const env = environmentWithDotenv({ LLM_PROXY__SERVER__PORT: '9100' }, dir);
    const c = loadConfig(env);
    expect(c.server.port).toBe(9100);
    expect(c.server.host).toBe('127.0.0.1');
  });

  test('exportDotenv fills what the environment lacks, literally, and overrides nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gg-env-'));
    writeFileSync(join(dir, '.env'), 'HTTPS_PROXY=http://127.0.0.1:3128\nLLM_PROXY__SERVER__PORT=9000\nLLM_PROXY__ADMIN__PASSWORD=pa$$w0rd\n');
    const env: Record<string, string | undefined> = { LLM_PROXY__SERVER__PORT: '9100' };
    exportDotenv(env, dir);
    expect(env).toEqual({ LLM_PROXY__SERVER__PORT: '9100', HTTPS_PROXY: 'http://127.0.0.1:3128', LLM_PROXY__ADMIN__PASSWORD: 'pa$$w0rd' });
  });
});

describe('Redis and limits settings', () => {
  test('off by default, prefix gophergate:, fail mode open', () => {
    const c = loadConfig({});
    expect(c.redis).toEqual({ url: undefined, prefix: 'gophergate:' });
    expect(c.limits.failMode).toBe('open');
  });
  test('reads the URL, prefix and fail mode; refuses bad values with the variable named', () => {
    const c = loadConfig({ LLM_PROXY__REDIS__URL: 'redis://127.0.0.1:6379', LLM_PROXY__REDIS__PREFIX: 'x:', LLM_PROXY__LIMITS__FAIL_MODE: 'closed' });
    expect(c.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'x:' });
    expect(c.limits.failMode).toBe('closed');
    expect(() => loadConfig({ LLM_PROXY__REDIS__URL: 'http://x' })).toThrow(/LLM_PROXY__REDIS__URL/);
    expect(() => loadConfig({ LLM_PROXY__LIMITS__FAIL_MODE: 'maybe' })).toThrow(/LLM_PROXY__LIMITS__FAIL_MODE/);
  });
  test('the prefix is trimmed as every setting is (a .env line\'s trailing space kept it in every key); blank is refused', () => {
    expect(loadConfig({ LLM_PROXY__REDIS__PREFIX: ' team-a: ' }).redis.prefix).toBe('team-a:');
    expect(() => loadConfig({ LLM_PROXY__REDIS__PREFIX: '  ' })).toThrow(/LLM_PROXY__REDIS__PREFIX must not be empty/);
  });
  test('the prefix and the fail mode set without a Redis URL are each said to have no effect; with one, or unset, nothing', () => {
    const unused = redisUnusedSettingWarnings({ LLM_PROXY__LIMITS__FAIL_MODE: 'closed', LLM_PROXY__REDIS__PREFIX: 'x:' });
    expect(unused).toHaveLength(2);
    expect(unused[0]).toContain('LLM_PROXY__REDIS__PREFIX has no effect without LLM_PROXY__REDIS__URL');
    expect(unused[1]).toContain('LLM_PROXY__LIMITS__FAIL_MODE has no effect without LLM_PROXY__REDIS__URL');
    expect(redisUnusedSettingWarnings({ LLM_PROXY__REDIS__URL: 'redis://127.0.0.1:6379', LLM_PROXY__LIMITS__FAIL_MODE: 'closed' })).toEqual([]);
    expect(redisUnusedSettingWarnings({ LLM_PROXY__REDIS__URL: ' ', LLM_PROXY__LIMITS__FAIL_MODE: 'closed' })).toHaveLength(1);
    expect(redisUnusedSettingWarnings({})).toEqual([]);
  });
});

describe('a name that is not a setting', () => {
  test('a typo or two away from a setting names the nearest; further names none', () => {
    const like = (name: string) => /\(did you mean (\S+)\?\)/.exec(unknownSettingWarnings({ [name]: '1' })[0]!)?.[1] ?? null;
    expect(like('LLM_PROXY__SERVR__PORT')).toBe('LLM_PROXY__SERVER__PORT');
    expect(like('LLM_PROXY__LOGGING__RETENTION_DAY')).toBe('LLM_PROXY__LOGGING__RETENTION_DAYS');
    expect(like('LLM_PROXY__DATABSE__URL')).toBe('LLM_PROXY__DATABASE__URL');
    expect(like('llm_proxy__server_port')).toBe('LLM_PROXY__SERVER__PORT');
    // MOCK one typo away, GROK two.
    expect(like('LLM_PROXY__PROVIDERS__MOK__ENABLED')).toBe('LLM_PROXY__PROVIDERS__MOCK__ENABLED');
    expect(like('LLM_PROXY__PROVIDERS__NOPE__API_KEY')).toBeNull();
    expect(like('LLM_PROXY__PORT')).toBeNull();
  });
});
