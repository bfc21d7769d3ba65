/**
 * An id in LLM_PROXY__PROVIDERS__<P>__MODELS joins the models table only where the name is free:
 * one another provider's model has stays that provider's, and one named like a model group hides
 * the group (a model is matched first). The admin API refuses both; from the environment the start
 * says so, in words that say what happens (it said "differs only in letter case" for a group's exact name).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process';

setDefaultTimeout(60_000);

let dir: string;
let gw: GatewayProcess;
let out = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gg-env-models-'));
  gw = await startGatewayProcess({
    cwd: dir, dbPath: join(dir, 'g.db'), adminPassword: 'Env-Models-Check-42',
    env: {
      LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true',
      LLM_PROXY__PROVIDERS__OLLAMA__ENABLED: 'false',
      LLM_PROXY__PROVIDERS__OPENAI__API_KEY: 'sk-test-env-models',
      // Loopback only: nothing is sent, but no call could leave the machine either.
      LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: 'http://127.0.0.1:9/v1',
      // A group's name, another provider's seeded model, and a free id (no warning).
      LLM_PROXY__PROVIDERS__MOCK__MODELS: 'fast-flow,gpt-4o-mini,mock-env-only',
    },
  });
  // The warnings are printed with the line saying it listens (in one go), so all are out by its exit.
  gw.proc.kill('SIGTERM');
  out = await gw.outAtExit();
});

afterAll(() => {
  gw?.proc.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('LLM_PROXY__PROVIDERS__<P>__MODELS ids whose name is taken', () => {
  test('an id named like a group: the start says the model takes the name, not that it differs in letter case', () => {
    expect(out).toContain(
      "gophergate: LLM_PROXY__PROVIDERS__MOCK__MODELS lists 'fast-flow', the name of a model group: the name reaches that model on mock instead of the group (in requests and in groups that target 'fast-flow')",
    );
    expect(out).not.toContain('only in letter case');
  });

  test("an id another provider's model has: the start says the name stays that provider's", () => {
    expect(out).toContain(
      "gophergate: LLM_PROXY__PROVIDERS__MOCK__MODELS lists 'gpt-4o-mini', a model of provider openai (the models table's, or listed for it first): the name stays openai's; name it mock/gpt-4o-mini to reach mock",
    );
  });

  test('a free id is not named', () => {
    expect(out).not.toContain("'mock-env-only'");
  });
});
