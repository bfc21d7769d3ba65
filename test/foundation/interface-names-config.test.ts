/**
 * INTERFACE.md's settings (/work/shared/INTERFACE.md): every documented variable is read, with
 * the documented default, provider ids and their variables, base URL defaults. A rename fails here.
 */
import { describe, expect, test } from 'bun:test';
import { hostname } from 'node:os';
import { loadConfig } from '../../src/config/config';
import { PROVIDER_CATALOG } from '../../src/providers/provider-catalog';
import { PROVIDER_IDS } from '../../src/providers/types';

describe('Configuration: every documented variable is read, with the documented default', () => {
  test('defaults', () => {
    const c = loadConfig({});
    expect(c.server).toMatchObject({ host: '0.0.0.0', port: 8080, maxBodyMb: 32 });
    expect(c.database.path).toBe('./data/gophergate.db');
    expect(c.upstream).toMatchObject({ timeoutS: 600, idleTimeoutS: 120 });
    expect(c.security.imageUrlAllowHosts).toEqual([]);
    expect(c.logging.retentionDays).toBe(30);
    expect(c.redis.prefix).toBe('gophergate:');
    expect(c.limits.failMode).toBe('open');
    expect(c.instanceId).toBe(`${hostname()}-${process.pid}`);
    expect(c.encryptionKey).toBeUndefined();
    expect(c.admin.password).toBeUndefined();
  });

  test('each name sets its value', () => {
    const c = loadConfig({
      LLM_PROXY__SERVER__HOST: '127.0.0.9', LLM_PROXY__SERVER__PORT: '9099', LLM_PROXY__DATABASE__PATH: '/tmp/x.db',
      LLM_PROXY__ENCRYPTION_KEY: 'ab'.repeat(32), LLM_PROXY__ADMIN__PASSWORD: 'pw-pw-pw-pw',
      LLM_PROXY__SERVER__MAX_BODY_MB: '2', LLM_PROXY__UPSTREAM__TIMEOUT_S: '7', LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: '8',
      LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS: 'a.test,b.test', LLM_PROXY__LOGGING__RETENTION_DAYS: '3',
      LLM_PROXY__DATABASE__URL: 'postgres://u@127.0.0.1:5432/test', LLM_PROXY__REDIS__URL: 'redis://127.0.0.1:6379',
      LLM_PROXY__REDIS__PREFIX: 'dep2:', LLM_PROXY__INSTANCE_ID: 'i-7', LLM_PROXY__LIMITS__FAIL_MODE: 'closed',
    });
    expect(c.server).toMatchObject({ host: '127.0.0.9', port: 9099, maxBodyMb: 2 });
    expect(c.database).toEqual({ path: '/tmp/x.db', url: 'postgres://u@127.0.0.1:5432/test' });
    expect([c.encryptionKey, c.admin.password]).toEqual(['ab'.repeat(32), 'pw-pw-pw-pw']);
    expect(c.upstream).toMatchObject({ timeoutS: 7, idleTimeoutS: 8 });
    expect(c.security.imageUrlAllowHosts).toEqual(['a.test', 'b.test']);
    expect(c.logging.retentionDays).toBe(3);
    expect(c.redis).toMatchObject({ url: 'redis://127.0.0.1:6379', prefix: 'dep2:' });
    expect([c.instanceId, c.limits.failMode]).toEqual(['i-7', 'closed']);
  });

  test('provider ids and their variables (<P>_API_KEY and LLM_PROXY__PROVIDERS__<P>__*)', () => {
    expect([...PROVIDER_IDS].sort()).toEqual(['anthropic', 'deepseek', 'gemini', 'grok', 'mock', 'moonshot', 'ollama', 'openai']);
    const plain = loadConfig(Object.fromEntries(['OPENAI', 'GEMINI', 'DEEPSEEK', 'MOONSHOT', 'GROK', 'ANTHROPIC'].map((p) => [`${p}_API_KEY`, `key-${p}`])));
    for (const p of ['openai', 'gemini', 'deepseek', 'moonshot', 'grok', 'anthropic']) expect(plain.providers[p]!.apiKey).toBe(`key-${p.toUpperCase()}`);
    for (const id of PROVIDER_IDS) {
      const P = id.toUpperCase();
      const c = loadConfig({
        [`LLM_PROXY__PROVIDERS__${P}__BASE_URL`]: 'http://127.0.0.1:1/v1', [`LLM_PROXY__PROVIDERS__${P}__API_KEY`]: 'k-1',
        [`LLM_PROXY__PROVIDERS__${P}__ENABLED`]: 'false', [`LLM_PROXY__PROVIDERS__${P}__MODELS`]: 'a,b',
      });
      expect({ id, ...c.providers[id] }).toEqual({ id, baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'k-1', enabled: false, models: ['a', 'b'] });
    }
  });

  test('base URL defaults', () => {
    expect(Object.fromEntries(PROVIDER_IDS.filter((p) => p !== 'mock').map((p) => [p, PROVIDER_CATALOG[p].defaultBaseUrl]))).toEqual({
      openai: 'https://api.openai.com/v1', gemini: 'https://generativelanguage.googleapis.com', deepseek: 'https://api.deepseek.com/v1',
      moonshot: 'https://api.moonshot.ai/v1', grok: 'https://api.x.ai/v1', ollama: 'http://localhost:11434/v1', anthropic: 'https://api.anthropic.com',
    });
  });
});
