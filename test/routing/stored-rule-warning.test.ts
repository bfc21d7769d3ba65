/**
 * A heuristic rule stored before the save-time check refused it (a regex whose repeats trade
 * characters, `.*x.*y`; a keyword with several `*`) never matches, so an upgrade quietly changed
 * how its group routes. At start the server names each such rule, its group and how to fix it;
 * rules the check takes are not named.
 */
import { Database } from 'bun:sqlite';
import { expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayProcess } from '../helpers/gateway-process';

// Spawns the server twice: seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(60_000);

test('stored rules the save check refuses are named at start, with their group; accepted ones are not', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-stored-rules-'));
  const dbPath = join(cwd, 'gg.db');
  const first = await startGatewayProcess({ cwd, dbPath, adminPassword: 'stored-rules-admin-1' });
  first.proc.kill('SIGTERM');
  await first.outAtExit();
  // As an earlier release let POST /api/groups store them.
  const db = new Database(dbPath);
  const insert = db.query('INSERT INTO model_groups (name, strategy, targets, settings, updated_at) VALUES (?, ?, ?, ?, ?)');
  const rules = [
    { name: 'trading', kind: 'regex', pattern: '.*x.*y', weight: 1 },
    { name: 'fine', kind: 'regex', pattern: 'foo.*bar', weight: 1 },
    { name: 'stars', kind: 'keywords', words: ['a*a*a*b', 'plain'], weight: 1 },
  ];
  insert.run('old-rules', 'heuristic', JSON.stringify(['mock/gpt-4o-mini', 'mock/gpt-4o']), JSON.stringify({ rules }), Date.now());
  insert.run('good-rules', 'heuristic', JSON.stringify(['mock/gpt-4o-mini', 'mock/gpt-4o']), JSON.stringify({ rules: [rules[1]] }), Date.now());
  db.close();

  const g = await startGatewayProcess({ cwd, dbPath, adminPassword: 'stored-rules-admin-1' });
  g.proc.kill('SIGTERM');
  const out = await g.outAtExit();
  expect(out).toContain('gophergate: group old-rules: settings.rules[0].pattern has two repeats in a row that can trade characters');
  expect(out).toContain('gophergate: group old-rules: settings.rules[2].words has a word with more than one * inside (a*a*a*b)');
  expect(out).toContain('That rule never matches until it is saved again (PATCH /api/groups/old-rules or the Groups page).');
  expect(out).not.toContain('settings.rules[1]');
  expect(out).not.toContain('group good-rules');
});
