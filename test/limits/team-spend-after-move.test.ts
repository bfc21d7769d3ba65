/** A key moved to another team leaves its spend with the team it spent it in, across a restart (SQLite). */
import { test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayJson, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway } from '../helpers/start-gateway';
import { teamSpendStaysWithTheTeam } from './team-spend-after-move';

test('a moved key leaves its spend with its old team, also after a restart (SQLite)', async () => {
  const fake = startFakeUpstream(replayJson('openai', 'chat.json'));
  const dir = mkdtempSync(join(tmpdir(), 'gophergate-team-move-'));
  const env = { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__DATABASE__PATH: join(dir, 'gophergate.db') };
  try {
    await teamSpendStaysWithTheTeam(() => startGateway({ storeLogs: true, env }));
  } finally {
    fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
