import { expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/client';
import { runMigrations } from '../../src/db/migrate';
import { models } from '../../src/db/schema';
import { resolveSourcePrice } from '../../src/db/seed/conditional-prices';
import { seedModelRows } from '../../src/db/seed/model-prices';

const REQUIRED = [
  'gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-5', 'gpt-5-mini', 'gpt-5.4-mini', 'gpt-5.4-nano', 'o3', 'o4-mini',
  'gpt-audio', 'gpt-audio-mini', 'dall-e-2', 'dall-e-3', 'gpt-image-1', 'gemini-2.0-flash', 'gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-3-flash-preview',
  'imagen-3.0-generate-002', 'imagen-4.0-generate-001', 'gemini-2.5-flash-image', 'deepseek-chat', 'deepseek-reasoner',
  'deepseek-v4-flash', 'deepseek-v4-pro', 'kimi-k2.6', 'moonshot-v1-8k', 'grok-4.3', 'grok-3-mini', 'grok-2-image-1212', 'llama3',
  'text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002', 'gemini-embedding-001',
  'claude-opus-4-7', 'claude-opus-4-6', 'claude-opus-4-5', 'claude-sonnet-4-6', 'claude-sonnet-4-5', 'claude-haiku-4-5',
];

test('every required model is seeded and priced; only Ollama is free', () => {
  const rows = seedModelRows(Date.UTC(2026, 10, 25));
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const id of REQUIRED) expect(byId.has(id)).toBe(true);
  for (const r of rows) {
    if (r.provider === 'ollama') {
      expect(r.inputPrice).toBe(0);
      expect(r.outputPrice).toBe(0);
    } else if (r.kind === 'image') {
      expect(r.imagePrice).toBeGreaterThan(0);
    } else if (r.kind === 'embedding') {
      expect(r.inputPrice).toBeGreaterThan(0);
      expect(r.outputPrice).toBe(0);
    } else {
      expect(r.inputPrice).toBeGreaterThan(0);
      expect(r.outputPrice!).toBeGreaterThan(r.inputPrice!);
    }
  }
  expect(byId.get('gpt-4o')).toMatchObject({ inputPrice: 2.5, cachedInputPrice: 1.25, outputPrice: 10, kind: 'chat' });
  expect(byId.get('llama3')).toMatchObject({ provider: 'ollama', kind: 'chat' });
  expect(byId.get('text-embedding-3-small')).toMatchObject({ provider: 'openai', kind: 'embedding', inputPrice: 0.02, outputPrice: 0 });
  expect(byId.get('text-embedding-3-large')).toMatchObject({ provider: 'openai', kind: 'embedding', inputPrice: 0.13, outputPrice: 0 });
  expect(byId.get('text-embedding-ada-002')).toMatchObject({ provider: 'openai', kind: 'embedding', inputPrice: 0.1, outputPrice: 0 });
  expect(byId.get('gemini-embedding-001')).toMatchObject({ provider: 'gemini', kind: 'embedding', inputPrice: 0.15, outputPrice: 0 });
  // Claude models carry the 5-minute cache-write rate (1.25x input) beside the cache-read rate.
  expect(byId.get('claude-sonnet-4-5')).toMatchObject({ provider: 'anthropic', inputPrice: 3, cachedInputPrice: 0.3, cacheWritePrice: 3.75, outputPrice: 15 });
  expect(byId.get('claude-haiku-4-5')).toMatchObject({ inputPrice: 1, cachedInputPrice: 0.1, cacheWritePrice: 1.25, outputPrice: 5 });
  expect(byId.get('gpt-4o')!.cacheWritePrice).toBeNull();
  expect(byId.get('grok-2-image-1212')).toMatchObject({ provider: 'grok', kind: 'image', imagePrice: 0.07, outputPrice: 0 });
});

test('rows insert into a freshly migrated models table', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gg-seed-'));
  try {
    const { sqlite, db } = openDatabase(join(dir, 'db.sqlite'));
    runMigrations(db);
    db.insert(models).values(seedModelRows(Date.now())).run();
    expect(db.select().from(models).all().length).toBe(REQUIRED.length);
    sqlite.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('conditional source prices: dated entries apply once due; the all-day-majority window wins', () => {
  const peak = { input_mtok: 0.27, output_mtok: 1.1 };
  const offPeak = { input_mtok: 0.135, output_mtok: 0.55 };
  // DeepSeek V3 style: discount is the unconstrained entry, peak covers 16 hours.
  const v3 = { prices: [{ prices: offPeak }, { constraint: { type: 'time_of_date' as const, start_time: '00:30:00Z', end_time: '16:30:00Z' }, prices: peak }] };
  expect(resolveSourcePrice(v3, 0)).toEqual(peak);
  // V4 style: peak windows cover 7 hours, so the dated off-peak price applies most of the day.
  const newer = { input_mtok: 0.22, output_mtok: 0.66 };
  const v4 = {
    prices: [
      { prices: offPeak },
      { constraint: { type: 'start_date' as const, start_date: '2026-08-17' }, prices: newer },
      { constraint: { type: 'time_of_date' as const, start_time: '01:00:00Z', end_time: '04:00:00Z' }, prices: peak },
      { constraint: { type: 'time_of_date' as const, start_time: '06:00:00Z', end_time: '10:00:00Z' }, prices: peak },
    ],
  };
  expect(resolveSourcePrice(v4, Date.UTC(2026, 9, 1))).toEqual(newer);
  expect(resolveSourcePrice(v4, Date.UTC(2026, 0, 1))).toEqual(offPeak);
});
