/** What the gateway leaves on disk: who may read it, and which conversations it keeps. */
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/client';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

// Gateways, password hashes and raw sockets: seconds on a loaded machine. A limit only bounds a hang.
setDefaultTimeout(60_000);

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const mode = (p: string) => statSync(p).mode & 0o777;

describe('file modes', () => {
  test('a data folder it creates is 0700; the database, WAL and SHM are 0600', () => {
    const root = mkdtempSync(join(tmpdir(), 'gg-modes-'));
    dirs.push(root);
    const path = join(root, 'data', 'gophergate.db');
    const { sqlite } = openDatabase(path);
    sqlite.exec('CREATE TABLE t (x)');
    sqlite.exec('INSERT INTO t VALUES (1)');
    expect(mode(join(root, 'data'))).toBe(0o700);
    for (const f of [path, `${path}-wal`, `${path}-shm`]) expect({ f, mode: mode(f).toString(8) }).toEqual({ f, mode: '600' });
    sqlite.close();
  });

  test('through the whole app context (the encryption key file is made first): folder 0700, files 0600', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gg-modes-'));
    dirs.push(root);
    const { createAppContext } = await import('../../src/app-context');
    const { loadConfig } = await import('../../src/config/config');
    const path = join(root, 'data', 'gophergate.db');
    const ctx = createAppContext(loadConfig({ LLM_PROXY__DATABASE__PATH: path, LLM_PROXY__ADMIN__PASSWORD: 'a-long-test-password' }), { warn: () => {} });
    expect(mode(join(root, 'data'))).toBe(0o700);
    for (const f of [path, join(root, 'data', 'encryption.key')]) expect({ f, mode: mode(f).toString(8) }).toEqual({ f, mode: '600' });
    ctx.state.stop();
    await ctx.logSink.close();
    ctx.sqlite.close();
  });
});

describe('stored_responses', () => {
  const ask = (gw: TestGateway, body: Record<string, unknown>) =>
    gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify({ model: 'mock/echo', ...body }) });
  const count = (gw: TestGateway) => (gw.ctx.sqlite.query('SELECT count(*) AS n FROM stored_responses').get() as { n: number }).n;
  const mockEnv = { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' };

  test('LLM_PROXY__RESPONSES__STORE=false keeps no conversation (a follow-up finds nothing)', async () => {
    const gw = await startGateway({ env: { ...mockEnv, LLM_PROXY__RESPONSES__STORE: 'false' } });
    try {
      const first = await ask(gw, { input: 'remember me' });
      expect(first.status).toBe(200);
      const { id } = (await first.json()) as any;
      await Bun.sleep(100); // past the store's write delay
      expect(count(gw)).toBe(0);
      const next = await ask(gw, { input: 'and now?', previous_response_id: id });
      expect(next.status).toBe(400);
    } finally {
      await gw.close();
    }
  });

  test('LLM_PROXY__RESPONSES__RETENTION_DAYS bounds how long a conversation is used', async () => {
    const gw = await startGateway({ env: { ...mockEnv, LLM_PROXY__RESPONSES__RETENTION_DAYS: '1' } });
    try {
      const insert = (id: string, ageDays: number) =>
        gw.ctx.sqlite.run('INSERT INTO stored_responses (id, client_id, model, messages, created_at) VALUES (?, ?, ?, ?, ?)', [
          id, gw.clientId, 'mock/echo', JSON.stringify([{ role: 'user', content: 'old' }]), Date.now() - ageDays * 86_400_000,
        ]);
      insert('resp_two_days_old', 2);
      insert('resp_half_a_day_old', 0.5);
      expect((await ask(gw, { input: 'x', previous_response_id: 'resp_two_days_old' })).status).toBe(400);
      expect((await ask(gw, { input: 'x', previous_response_id: 'resp_half_a_day_old' })).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});
