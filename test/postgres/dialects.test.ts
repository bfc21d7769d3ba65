/**
 * One table definition, two dialects: the PostgreSQL twins (derived from src/db/schema) and the
 * databases both dialects' migrations build agree column by column, so a column added once shows
 * up in both (and a forgotten `bun run db:generate` for either dialect fails here).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { SQL } from 'bun';
import { getTableColumns, is } from 'drizzle-orm';
import { getTableConfig as pgConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { drizzle } from 'drizzle-orm/bun-sqlite';
import * as sqliteSchema from '../../src/db/schema';
import * as pgSchema from '../../src/db/schema-pg.gen';
import { PG_TYPE_OF } from '../../src/db/pg-schema';
import { runMigrations } from '../../src/db/migrate';
import { migratePg } from '../../src/db/pg-store';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';

const sqliteTables = Object.entries(sqliteSchema).filter(([, v]) => is(v, SQLiteTable)) as [string, SQLiteTable][];

describe('schema twins', () => {
  test('every SQLite table has a PostgreSQL twin under the same export name (schema-pg.gen.ts is current)', () => {
    const pgNames = Object.entries(pgSchema).filter(([, v]) => is(v, PgTable)).map(([k]) => k).sort();
    expect(pgNames).toEqual(sqliteTables.map(([k]) => k).sort());
  });

  test.each(sqliteTables)('%s: same columns, nullability, mapped types, defaults, keys and indexes', (name, t) => {
    const s = sqliteConfig(t);
    const p = pgConfig((pgSchema as Record<string, PgTable>)[name]!);
    expect(p.name).toBe(s.name);
    const sCols = getTableColumns(t);
    const pCols = getTableColumns((pgSchema as Record<string, PgTable>)[name]!);
    expect(Object.keys(pCols)).toEqual(Object.keys(sCols));
    for (const [key, c] of Object.entries(sCols)) {
      const pc = pCols[key]!;
      const want = (c as any).autoIncrement ? 'bigserial' : PG_TYPE_OF[c.columnType];
      expect({ key, name: pc.name, type: pc.getSQLType(), notNull: pc.notNull, primary: pc.primary, unique: pc.isUnique }).toEqual({
        key, name: c.name, type: want!, notNull: c.notNull, primary: c.primary, unique: c.isUnique,
      });
      const def = c.columnType === 'SQLiteTextJson' && c.default !== undefined ? JSON.stringify(c.default) : c.default;
      expect({ key, default: pc.default }).toEqual({ key, default: def });
    }
    expect(p.primaryKeys.map((k) => k.columns.map((c) => c.name))).toEqual(s.primaryKeys.map((k) => k.columns.map((c) => c.name)));
    expect(p.indexes.map((i) => [i.config.name, i.config.unique, i.config.columns.map((c: any) => c.name)])).toEqual(
      s.indexes.map((i) => [i.config.name, i.config.unique, i.config.columns.map((c: any) => c.name)]),
    );
    expect(p.foreignKeys.map((f) => [f.getName(), f.onDelete ?? 'no action'])).toEqual(s.foreignKeys.map((f) => [f.getName(), f.onDelete ?? 'no action']));
  });
});

describe('migrated databases', () => {
  let pg: TestDatabase;
  beforeAll(async () => {
    pg = await createTestDatabase();
    await migratePg(pg.url);
  });
  afterAll(async () => pg?.drop());

  test('both dialects\u2019 migrations build the same tables and columns', async () => {
    const lite = new Database(':memory:');
    runMigrations(drizzle(lite, { schema: sqliteSchema }));
    // state_version is SQLite's alone: triggers keep it, and PostgreSQL compares a fingerprint instead (src/state/state-store.ts).
    const liteTables = (lite.query("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' AND name != 'state_version' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    const client = new SQL(pg.url);
    try {
      const pgTables = (await client.unsafe("SELECT table_name FROM information_schema.tables WHERE table_schema='public' ORDER BY table_name")).map((r: any) => r.table_name);
      expect(pgTables).toEqual(liteTables);
      for (const table of liteTables) {
        const lc = lite.query(`PRAGMA table_info(${table})`).all() as { name: string; type: string; notnull: number; dflt_value: string | null; pk: number }[];
        const pc = (await client.unsafe(
          'SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
          ['public', table],
        )) as { column_name: string; data_type: string; is_nullable: string; column_default: string | null }[];
        // Same columns; order may differ (SQLite appends ALTERed columns, PostgreSQL's single init
        // migration follows the schema file), and every statement names its columns.
        expect(pc.map((c) => c.column_name).sort()).toEqual(lc.map((c) => c.name).sort());
        lc.forEach((l) => {
          const p = pc.find((c) => c.column_name === l.name)!;
          const allowed: Record<string, string[]> = { integer: ['bigint', 'boolean'], real: ['double precision'], text: ['text'] };
          expect({ table, column: l.name, type: allowed[l.type.toLowerCase()]!.includes(p.data_type) }).toEqual({ table, column: l.name, type: true });
          // SQLite reports a primary key column as nullable unless declared NOT NULL; PostgreSQL never.
          expect({ table, column: l.name, notNull: p.is_nullable === 'NO' }).toEqual({ table, column: l.name, notNull: l.notnull === 1 || l.pk > 0 });
          const norm = (d: string | null, type: string) => {
            if (d === null || d.startsWith('nextval(')) return null;
            const v = d.replace(/::[a-z ]+$/, '');
            if (type === 'boolean') return v === 'true' || v === '1' ? 1 : 0;
            return v.replace(/^'(.*)'$/, '$1').replace(/^\((.*)\)$/, '$1');
          };
          expect({ table, column: l.name, default: norm(p.column_default, p.data_type) }).toEqual({
            table, column: l.name, default: norm(l.dflt_value, p.data_type),
          });
        });
      }
    } finally {
      await client.close();
      lite.close();
    }
  });
});
