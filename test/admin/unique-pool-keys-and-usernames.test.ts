/**
 * One secret once per provider pool, one username in any case, enforced by the database (migration
 * 0016 on SQLite, 0008 on PostgreSQL) so identical requests at once cannot all get in: before, six
 * identical POST /api/providers/openai/keys were six 201s (the key then weighed six times in the
 * pool), and 'Vera' and 'vera' created at once both got in. Over real HTTP, on SQLite and PostgreSQL;
 * and an upgrade over a database that already holds such twins keeps them and starts.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from 'bun:sqlite';
import { api, login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { insertPgRows, insertSqliteRows, migrateSqliteBefore, upgradePgOver } from '../helpers/migrate-before';
import { SecretBox } from '../../src/crypto/secret-box';
import { fillKeyFingerprints } from '../../src/admin/key-fingerprints';

const RACERS = 6;
const TEST_KEY = '0f'.repeat(32); // start-gateway.ts's encryption key
const KEY = 'sk-race-0123456789abcdef';

const keysPath = '/api/providers/openai/keys';
async function poolIds(gw: TestGateway, admin: Session): Promise<string[]> {
  const keys = ((await (await api(gw, 'GET', '/api/providers/openai', { as: admin })).json()) as any).keys as { id: string }[];
  return keys.map((k) => k.id).filter((id) => id !== 'main' && id !== 'env');
}

function suite(store: string, env: () => Record<string, string>) {
  describe(`uniqueness held by the database (${store})`, () => {
    let gw: TestGateway;
    let admin: Session;
    beforeAll(async () => {
      gw = await startGateway({ env: env() });
      admin = await login(gw, 'admin', ADMIN_PASSWORD);
    });
    afterAll(async () => gw?.close());

    test('six identical pool keys at once: one 201, five 409 duplicate_provider_key, one key in the pool', async () => {
      const answers = await Promise.all(
        Array.from({ length: RACERS }, (_, i) => api(gw, 'POST', keysPath, { as: admin, body: { key: KEY, label: `racer-${i}` } })),
      );
      const bodies = await Promise.all(answers.map((r) => r.json() as Promise<any>));
      expect(answers.map((r) => r.status).sort()).toEqual([201, ...Array(RACERS - 1).fill(409)]);
      for (const [i, r] of answers.entries()) {
        if (r.status !== 409) continue;
        expect(bodies[i].error).toMatchObject({ type: 'invalid_request_error', code: 'duplicate_provider_key', param: 'key' });
        expect(bodies[i].error.message).not.toContain(KEY);
      }
      expect(await poolIds(gw, admin)).toHaveLength(1);
    });

    test('the same key again later, under another label: 409 naming the key already there', async () => {
      const r = await api(gw, 'POST', keysPath, { as: admin, body: { key: `  ${KEY} `, label: 'another-label' } });
      expect(r.status).toBe(409);
      expect(((await r.json()) as any).error.code).toBe('duplicate_provider_key');
      // Another key, and the same key for another provider, are welcome.
      expect((await api(gw, 'POST', keysPath, { as: admin, body: { key: `${KEY}-2` } })).status).toBe(201);
      expect((await api(gw, 'POST', '/api/providers/deepseek/keys', { as: admin, body: { key: KEY } })).status).toBe(201);
    });

    test('a removed key can be added again', async () => {
      const [first] = await poolIds(gw, admin);
      expect((await api(gw, 'DELETE', `${keysPath}/${first}`, { as: admin })).status).toBe(200);
      expect((await api(gw, 'POST', keysPath, { as: admin, body: { key: KEY } })).status).toBe(201);
    });

    test('a second instance on the same store, whose snapshot has not read the add yet: 409 too', async () => {
      const path = gw.ctx.config.database.path;
      const other = await startGateway({ env: { ...env(), LLM_PROXY__DATABASE__PATH: path } });
      try {
        const twin = `${KEY}-twin`;
        expect((await api(gw, 'POST', keysPath, { as: admin, body: { key: twin } })).status).toBe(201);
        const r = await api(other, 'POST', keysPath, { as: await login(other, 'admin', ADMIN_PASSWORD), body: { key: twin } });
        expect(r.status).toBe(409);
        expect(((await r.json()) as any).error.code).toBe('duplicate_provider_key');
      } finally {
        await other.close();
      }
    });

    test('usernames differing only in case, created at once: one 201, the others 409 username_taken', async () => {
      const names = ['Vera', 'vera', 'VERA', 'vErA', 'veRa', 'VEra'];
      const answers = await Promise.all(
        names.map((username) => api(gw, 'POST', '/api/users', { as: admin, body: { username, password: 'vera-password-long-1', role: 'viewer' } })),
      );
      const bodies = await Promise.all(answers.map((r) => r.json() as Promise<any>));
      expect(answers.map((r) => r.status).sort()).toEqual([201, ...Array(names.length - 1).fill(409)]);
      for (const [i, r] of answers.entries()) if (r.status === 409) expect(bodies[i].error.code).toBe('username_taken');
      const users = ((await (await api(gw, 'GET', '/api/users', { as: admin })).json()) as any).data as { username: string }[];
      expect(users.filter((u) => u.username.toLowerCase() === 'vera')).toHaveLength(1);
    });
  });
}

suite('SQLite', () => ({}));

let pg: TestDatabase;
beforeAll(async () => (pg = await createTestDatabase()));
afterAll(async () => pg?.drop());
suite('PostgreSQL', () => ({ LLM_PROXY__DATABASE__URL: pg.url }));

/** An earlier release's rows: the admin, two users one case apart, one pool key twice and another once. */
function oldRows() {
  const box = new SecretBox(Buffer.from(TEST_KEY, 'hex'));
  const hash = (pw: string) => Bun.password.hashSync(pw, 'argon2id');
  const users = [
    [1, 'admin', hash(ADMIN_PASSWORD), 'admin', 0, 0, 1],
    [2, 'Vera', hash('vera-upper-password-1'), 'viewer', 0, 0, 2],
    [3, 'vera', hash('vera-lower-password-1'), 'viewer', 0, 0, 3],
  ];
  const keys = [KEY, KEY, `${KEY}-other`].map((k, i) => [i + 1, 'openai', box.encrypt(k), k.slice(-4), `old-${i + 1}`, 1, i + 1]);
  return { users, keys };
}
const USER_COLUMNS = ['id', 'username', 'password_hash', 'role', 'must_change_password', 'token_version', 'created_at'];
const KEY_COLUMNS = ['id', 'provider', 'key_encrypted', 'key_last4', 'label', 'weight', 'created_at'];

function upgradeSuite(store: string, prepare: () => Promise<Record<string, string>>) {
  test(`upgrade (${store}): twins already stored are kept, the start does not fail, new twins are refused`, async () => {
    const gw = await startGateway({ env: await prepare() });
    try {
      const admin = await login(gw, 'admin', ADMIN_PASSWORD);
      // Both users keep their names and passwords.
      await login(gw, 'Vera', 'vera-upper-password-1');
      await login(gw, 'vera', 'vera-lower-password-1');
      const again = await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'VERA', password: 'vera-password-long-1', role: 'viewer' } });
      expect(again.status).toBe(409);
      expect(((await again.json()) as any).error.code).toBe('username_taken');
      // Both copies of the key stay listed (one to remove); the key cannot be added a third time.
      expect(await poolIds(gw, admin)).toEqual(['1', '2', '3']);
      const dup = await api(gw, 'POST', keysPath, { as: admin, body: { key: KEY, label: 'third' } });
      expect(dup.status).toBe(409);
      expect(((await dup.json()) as any).error.code).toBe('duplicate_provider_key');
      // The start gave the older copy and the other key their fingerprint; the younger copy keeps none, and says so.
      expect(await fillKeyFingerprints(gw.ctx.db, gw.ctx.secretBox)).toEqual([expect.stringContaining("key 2 ('old-2') of provider openai is a key already in its pool")]);
      // Once the younger copy is removed, the pool is one key each and nothing is left to warn of.
      expect((await api(gw, 'DELETE', `${keysPath}/2`, { as: admin })).status).toBe(200);
      expect(await fillKeyFingerprints(gw.ctx.db, gw.ctx.secretBox)).toEqual([]);
    } finally {
      await gw.close();
    }
    // Three sign-ins hash passwords: ~1.5 s on a quiet box, over 5 s seen with both cores busy.
  }, 30_000);
}

const MIGRATION = 'unique_pool_keys_and_usernames';
upgradeSuite('SQLite', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'gophergate-upgrade-')), 'gophergate.db');
  const lite = new Database(path);
  migrateSqliteBefore(lite, MIGRATION);
  const { users, keys } = oldRows();
  insertSqliteRows(lite, 'users', USER_COLUMNS, users);
  insertSqliteRows(lite, 'provider_keys', KEY_COLUMNS, keys);
  lite.close();
  return { LLM_PROXY__DATABASE__PATH: path };
});

let upgradePg: TestDatabase;
beforeAll(async () => (upgradePg = await createTestDatabase()));
afterAll(async () => upgradePg?.drop());
upgradeSuite('PostgreSQL', async () => {
  const { users, keys } = oldRows();
  await upgradePgOver(upgradePg.url, MIGRATION, async (client) => {
    await insertPgRows(client, 'users', USER_COLUMNS, users, ['must_change_password']);
    await insertPgRows(client, 'provider_keys', KEY_COLUMNS, keys);
    // Ids were given: the sequences continue after them, as they would have.
    await client.unsafe("SELECT setval(pg_get_serial_sequence('users', 'id'), 3), setval(pg_get_serial_sequence('provider_keys', 'id'), 3)");
  }, ADMIN_PASSWORD);
  return { LLM_PROXY__DATABASE__URL: upgradePg.url };
});

test('the fingerprint is keyed: another encryption key gives another one, and it is not the plain hash', () => {
  const a = new SecretBox(Buffer.from(TEST_KEY, 'hex'));
  const b = new SecretBox(Buffer.from('1e'.repeat(32), 'hex'));
  expect(a.fingerprint(KEY)).toBe(a.fingerprint(KEY));
  expect(a.fingerprint(KEY)).not.toBe(b.fingerprint(KEY));
  expect(a.fingerprint(KEY)).not.toBe(new Bun.CryptoHasher('sha256').update(KEY).digest('base64url'));
});
