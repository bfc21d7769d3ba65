import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { loadConfig } from '../../src/config/config';
import { SecretBox } from '../../src/crypto/secret-box';
import { openDatabase } from '../../src/db/client';
import { runMigrations } from '../../src/db/migrate';
import { clients, modelGroups, models, providers, users } from '../../src/db/schema';
import { resetAdmin, seedDatabase } from '../../src/db/seed/seed';
import { StateStore } from '../../src/state/state-store';

// Seeding hashes passwords: seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(30_000);

const freshPath = () => join(mkdtempSync(join(tmpdir(), 'gg-db-')), 'nested', 'gophergate.db');

function tableCounts(db: ReturnType<typeof openDatabase>['db']) {
  return {
    users: db.select().from(users).all().length,
    providers: db.select().from(providers).all().length,
    models: db.select().from(models).all().length,
    groups: db.select().from(modelGroups).all().length,
  };
}

describe('migrations', () => {
  test('a fresh file gets every table, WAL and foreign keys', () => {
    const { sqlite, db } = openDatabase(freshPath());
    runMigrations(db);
    const tables = sqlite.query("select name from sqlite_master where type='table'").all().map((r: any) => r.name);
    for (const t of ['users', 'sessions', 'clients', 'providers', 'models', 'model_groups', 'request_logs', 'usage_hourly', 'stored_responses'])
      expect(tables).toContain(t);
    expect((sqlite.query('PRAGMA journal_mode').get() as any).journal_mode).toBe('wal');
    expect((sqlite.query('PRAGMA foreign_keys').get() as any).foreign_keys).toBe(1);
    expect((sqlite.query('PRAGMA busy_timeout').get() as any).timeout).toBe(5000);
  });

  test('an existing, migrated file is left alone and keeps its data', () => {
    const path = freshPath();
    const first = openDatabase(path);
    runMigrations(first.db);
    first.db.insert(clients).values({ name: 'keep me', keyHash: 'h', keyPrefix: 'gg-x', createdAt: 1 }).run();
    const applied = first.sqlite.query('select count(*) as n from __drizzle_migrations').get() as any;
    first.sqlite.close();
    const second = openDatabase(path);
    runMigrations(second.db);
    expect((second.sqlite.query('select count(*) as n from __drizzle_migrations').get() as any).n).toBe(applied.n);
    expect(second.db.select().from(clients).all().map((c) => c.name)).toEqual(['keep me']);
  });
});

describe('seed', () => {
  test('first start seeds admin (change forced), providers, models and groups; a second start changes nothing', () => {
    const { db } = openDatabase(freshPath());
    runMigrations(db);
    expect(seedDatabase(db, { now: 1000 }).adminCreated).toBe(true);
    const admin = db.select().from(users).where(eq(users.username, 'admin')).get()!;
    expect(admin.role).toBe('admin');
    expect(admin.mustChangePassword).toBe(true);
    expect(Bun.password.verifySync('admin123', admin.passwordHash)).toBe(true);
    const before = tableCounts(db);
    expect(before.providers).toBe(8);
    expect(before.models).toBeGreaterThan(0);
    // An operator edit must survive a restart.
    db.update(models).set({ inputPrice: 42 }).run();
    expect(seedDatabase(db, { now: 2000 }).adminCreated).toBe(false);
    expect(tableCounts(db)).toEqual(before);
    expect(db.select().from(models).all().every((m) => m.inputPrice === 42)).toBe(true);
  });

  test('LLM_PROXY__ADMIN__PASSWORD sets the first password without a forced change', () => {
    const { db } = openDatabase(freshPath());
    runMigrations(db);
    seedDatabase(db, { adminPassword: 'correct horse' });
    const admin = db.select().from(users).get()!;
    expect(admin.mustChangePassword).toBe(false);
    expect(Bun.password.verifySync('correct horse', admin.passwordHash)).toBe(true);
  });

  test('resetAdmin restores admin123, forces a change and bumps the token version', () => {
    const { db } = openDatabase(freshPath());
    runMigrations(db);
    seedDatabase(db, { adminPassword: 'something else' });
    const before = db.select().from(users).get()!;
    expect(resetAdmin(db)).toEqual({ what: 'reset', username: 'admin' });
    const after = db.select().from(users).get()!;
    expect(Bun.password.verifySync('admin123', after.passwordHash)).toBe(true);
    expect(after.mustChangePassword).toBe(true);
    expect(after.tokenVersion).toBe(before.tokenVersion + 1);
  });
});

test("resetAdmin with only 'Admin' (usernames are unique in any case): resets that user, creates no 'admin' beside it", () => {
  const { db } = openDatabase(freshPath());
  runMigrations(db);
  db.insert(users).values({ username: 'Admin', passwordHash: 'x', role: 'viewer', createdAt: 1 }).run();
  expect(resetAdmin(db)).toEqual({ what: 'reset', username: 'Admin' });
  const all = db.select().from(users).all();
  expect(all.map((u) => [u.username, u.role, u.mustChangePassword])).toEqual([['Admin', 'admin', true]]);
  expect(Bun.password.verifySync('admin123', all[0]!.passwordHash)).toBe(true);
});

describe('provider keys at rest', () => {
  test('only AES-GCM ciphertext reaches the database file, and the snapshot decrypts it', () => {
    const path = freshPath();
    const { sqlite, db } = openDatabase(path);
    runMigrations(db);
    seedDatabase(db);
    const box = new SecretBox(new Uint8Array(32).fill(9));
    const plaintext = 'sk-proj-THIS-IS-THE-PLAINTEXT-KEY-1234';
    db.update(providers).set({ apiKeyEncrypted: box.encrypt(plaintext), apiKeyLast4: '1234' }).where(eq(providers.id, 'openai')).run();
    const store = new StateStore(db, sqlite, loadConfig({}), box);
    const openai = store.getSnapshot().providers.get('openai')!;
    expect(openai.apiKey).toBe(plaintext);
    expect(openai.enabled).toBe(true);
    sqlite.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    sqlite.close();
    const raw = readFileSync(path);
    expect(raw.includes(Buffer.from(plaintext))).toBe(false);
    expect(raw.includes(Buffer.from('THIS-IS-THE-PLAINTEXT'))).toBe(false);
  });
});

describe('the snapshot follows outside writes, not request logs', () => {
  test('a client added by another connection shows up within the poll; log rows written by another connection do not reload the snapshot', async () => {
    const path = freshPath();
    const { sqlite, db } = openDatabase(path);
    runMigrations(db);
    seedDatabase(db);
    const store = new StateStore(db, sqlite, loadConfig({}), new SecretBox(new Uint8Array(32).fill(9)));
    let reloads = 0;
    store.onChange(() => reloads++);
    store.watch(20);
    const other = openDatabase(path); // as the log writer's worker or a second process would
    try {
      const logRow = other.sqlite.query(
        "INSERT INTO request_logs (request_id, created_at, endpoint, model_requested, status, latency_ms, stream) VALUES (?, ?, 'chat', 'm', 200, 1, 0)",
      );
      for (let i = 0; i < 5; i++) {
        logRow.run(`req-${i}`, Date.now());
        await Bun.sleep(30);
      }
      expect(reloads).toBe(0);
      const before = store.getSnapshot().clientsByKeyHash.size;
      other.sqlite.query("INSERT INTO clients (name, key_hash, key_prefix, revoked, created_at) VALUES ('outside', 'hash-outside', 'gg-outside', 0, ?)").run(Date.now());
      const deadline = Date.now() + 2000;
      while (store.getSnapshot().clientsByKeyHash.size === before && Date.now() < deadline) await Bun.sleep(10);
      expect(store.getSnapshot().clientsByKeyHash.size).toBe(before + 1);
      expect(reloads).toBe(1);
      // An update and a delete move it too.
      other.sqlite.query("UPDATE models SET enabled = 0 WHERE id = (SELECT min(id) FROM models)").run();
      other.sqlite.query("DELETE FROM clients WHERE name = 'outside'").run();
      while (reloads < 2 && Date.now() < deadline + 2000) await Bun.sleep(10);
      await Bun.sleep(50);
      expect(store.getSnapshot().clientsByKeyHash.size).toBe(before);
    } finally {
      store.stop();
      other.sqlite.close();
      sqlite.close();
    }
  });
});
