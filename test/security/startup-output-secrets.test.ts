/**
 * The start-up warning for a `.env` line that is not NAME=value names how the line starts, so the
 * operator finds it; it goes to stderr (container logs), so a line that is itself a secret (a
 * value wrapped onto its own line, a pasted key or PEM body) is never quoted.
 */
import { afterAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dotenvLineWarnings } from '../../src/config/dotenv';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const warningsFor = (text: string) => {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-dotenv-'));
  dirs.push(cwd);
  writeFileSync(join(cwd, '.env'), text);
  return dotenvLineWarnings(cwd);
};

test('a line that is a secret on its own is reported by number only', () => {
  const secrets = [
    'sk-proj-AbCdEf0123456789abcdefGHIJ', // a key wrapped onto the line after OPENAI_API_KEY=
    'AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW', // a Gemini key pasted alone
    'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC', // a PEM body line
    'deadbeef0123456789abcdef0123456789abcdef0123456789abcdef01234567', // a hex key
  ];
  const warnings = warningsFor(`OPENAI_API_KEY=\n${secrets.join('\n')}\n`);
  expect(warnings).toHaveLength(secrets.length);
  for (const s of secrets) expect({ s, quoted: warnings.some((w) => w.includes(s.slice(0, 12))) }).toEqual({ s, quoted: false });
  expect(warnings[0]).toBe('gophergate: line 2 of .env is not NAME=value; it is ignored.');
});

test('a setting written the wrong way is still named', () => {
  expect(warningsFor('LLM_PROXY__SERVER__PORT: 9000\nPORT 9000\n')).toEqual([
    'gophergate: line 1 of .env is not NAME=value (it starts "LLM_PROXY__SERVER__PORT"); it is ignored.',
    'gophergate: line 2 of .env is not NAME=value (it starts "PORT"); it is ignored.',
  ]);
});

test("a base URL refused for its query is quoted without the query's values (a Gemini key as ?key=)", async () => {
  const { loadConfig } = await import('../../src/config/config');
  const key = 'AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW';
  let message = '';
  try {
    loadConfig({ LLM_PROXY__PROVIDERS__GEMINI__BASE_URL: `https://generativelanguage.googleapis.com/v1beta?key=${key}`, LLM_PROXY__ADMIN__PASSWORD: 'a-long-test-password' });
  } catch (err) {
    message = (err as Error).message;
  }
  expect(message).toContain('must not hold a query');
  expect(message).toContain('https://generativelanguage.googleapis.com/v1beta?key=');
  expect(message).not.toContain(key.slice(4));
});
