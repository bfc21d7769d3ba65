import { Database } from 'bun:sqlite';
import { expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedMigrations } from '../../src/db/migrations.gen';

// Spawns bun: seconds on a loaded machine. A limit only bounds a hang.
setDefaultTimeout(60_000);

const ROOT = join(import.meta.dir, '..', '..');

/**
 * Two gateways started at once on a new SQLite file (README: two may open the same file): the
 * second read "no migration applied" while the first was applying them, then failed on its own
 * CREATE TABLE ("table `users` already exists") with a stack trace. Here the first start is this
 * test's connection, holding its migration open (written, not committed) while a real second start
 * (openDatabase + runMigrations in its own process) begins; the test commits once that process
 * is migrating.
 */
test('a start that migrates while another process is migrating the same new file waits for it and applies nothing twice', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gg-first-start-'));
  const dbPath = join(dir, 'gophergate.db');

  const first = new Database(dbPath, { create: true });
  first.run('PRAGMA journal_mode = WAL');
  first.run('PRAGMA busy_timeout = 5000');
  first.run('CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)');
  first.run('BEGIN IMMEDIATE');
  for (const m of embeddedMigrations) {
    for (const statement of m.sql.split('--> statement-breakpoint')) first.run(statement);
    first.run('INSERT INTO "__drizzle_migrations" ("hash", "created_at") VALUES (?, ?)', [new Bun.CryptoHasher('sha256').update(m.sql).digest('hex'), m.when]);
  }

  const script = `
    import { openDatabase } from './src/db/client';
    import { runMigrations } from './src/db/migrate';
    const { db } = openDatabase(process.argv[1]);
    console.log('migrating');
    try { runMigrations(db); console.log('migrated'); } catch (err) { console.log('failed: ' + err.message); process.exit(1); }
  `;
  const second = Bun.spawn(['bun', '-e', script, dbPath], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
  let out = '';
  const decoder = new TextDecoder();
  const reader = second.stdout.getReader();
  while (!out.includes('migrating')) {
    const { value, done } = await reader.read();
    if (done) break;
    out += decoder.decode(value, { stream: true });
  }
  expect(out).toContain('migrating');
  // Long enough for the second start to read the bookkeeping and reach its first write.
  await Bun.sleep(1_000);
  first.run('COMMIT');

  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    out += decoder.decode(value, { stream: true });
  }
  const code = await second.exited;
  expect(out).not.toContain('failed');
  expect([code, out.trim().split('\n').at(-1)]).toEqual([0, 'migrated']);
  // Each migration recorded once: the second start applied none of them again.
  expect(first.query('SELECT count(*) AS n FROM "__drizzle_migrations"').get()).toEqual({ n: embeddedMigrations.length });
  first.close();
});

test('processes that generate the key file at the same moment all end up with the one key the file holds', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gg-first-key-'));
  const dbPath = join(dir, 'gophergate.db');
  // Each process loads, then spins until the same instant, so their check-then-create overlap.
  const at = Date.now() + 3_000;
  const script = `
    import { resolveEncryptionKey } from './src/crypto/encryption-key';
    while (Date.now() < ${at}) {}
    const key = resolveEncryptionKey(undefined, process.argv[1], () => {});
    console.log(Buffer.from(key).toString('hex'));
  `;
  const procs = Array.from({ length: 4 }, () => Bun.spawn(['bun', '-e', script, dbPath], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' }));
  const keys = await Promise.all(procs.map(async (p) => [await p.exited, (await new Response(p.stdout).text()).trim(), await new Response(p.stderr).text()] as const));
  const onFile = (await Bun.file(join(dir, 'encryption.key')).text()).trim();
  expect(keys).toEqual(procs.map(() => [0, onFile, ''] as const));
});

test('a start that finds the key file another start has just created, still empty, waits for its key (it failed: "must be 32 bytes")', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gg-empty-key-'));
  const dbPath = join(dir, 'gophergate.db');
  // The other start, caught between its exclusive create and its one write.
  writeFileSync(join(dir, 'encryption.key'), '', { mode: 0o600 });
  const script = `
    import { resolveEncryptionKey } from './src/crypto/encryption-key';
    console.log('reading');
    console.log(Buffer.from(resolveEncryptionKey(undefined, process.argv[1], () => {})).toString('hex'));
  `;
  const proc = Bun.spawn(['bun', '-e', script, dbPath], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
  const out = proc.stdout.getReader();
  expect(new TextDecoder().decode((await out.read()).value)).toStartWith('reading');
  const key = 'ab'.repeat(32);
  await Bun.sleep(100); // its first read has found the file empty by now (it retries for up to 1 s)
  writeFileSync(join(dir, 'encryption.key'), `${key}\n`);
  let rest = '';
  for (let r = await out.read(); !r.done; r = await out.read()) rest += new TextDecoder().decode(r.value);
  expect([await proc.exited, rest.trim(), await new Response(proc.stderr).text()]).toEqual([0, key, '']);
});

test('a start that opens a new file while another process holds its first lock waits for it (switching to WAL is no instant SQLITE_BUSY)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gg-first-open-'));
  const dbPath = join(dir, 'gophergate.db');
  // The other start, caught before its switch to WAL: a new file, still in rollback-journal mode, locked.
  const first = new Database(dbPath, { create: true });
  first.run('BEGIN EXCLUSIVE');
  first.run('CREATE TABLE starting (x)');
  const script = `
    import { openDatabase } from './src/db/client';
    console.log('opening');
    try { openDatabase(process.argv[1]); console.log('opened'); } catch (err) { console.log('failed: ' + err.code); process.exit(1); }
  `;
  const second = Bun.spawn(['bun', '-e', script, dbPath], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
  const reader = second.stdout.getReader();
  const decoder = new TextDecoder();
  let out = '';
  while (!out.includes('opening')) {
    const { value, done } = await reader.read();
    if (done) break;
    out += decoder.decode(value, { stream: true });
  }
  await Bun.sleep(1_000);
  first.run('COMMIT');
  first.close();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    out += decoder.decode(value, { stream: true });
  }
  expect([await second.exited, out.trim().split('\n').at(-1)]).toEqual([0, 'opened']);
});
