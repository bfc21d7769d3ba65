/** A key moved to another team leaves its spend with the team it spent it in, across a restart (PostgreSQL). */
import { test } from 'bun:test';
import { replayJson, startFakeUpstream } from '../helpers/fake-upstream';
import { createTestDatabase } from '../helpers/pg-database';
import { providerEnv, startGateway } from '../helpers/start-gateway';
import { teamSpendStaysWithTheTeam } from '../limits/team-spend-after-move';

test('a moved key leaves its spend with its old team, also after a restart (PostgreSQL)', async () => {
  const fake = startFakeUpstream(replayJson('openai', 'chat.json'));
  const db = await createTestDatabase();
  const env = { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__DATABASE__URL: db.url };
  try {
    await teamSpendStaysWithTheTeam(() => startGateway({ storeLogs: true, env }));
  } finally {
    fake.close();
    await db.drop();
  }
}, 60_000);
