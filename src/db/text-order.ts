import { sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { isPgDb } from './pg-translate';
import type { StoreKind } from './store';

/**
 * Text sorted as SQLite sorts it (BINARY: by code point) on either store. PostgreSQL sorts by the
 * database's collation, which follows the locale it was created with: under en_US (the official
 * image's default) 'alpha' < 'Blue' < 'beta', where SQLite has 'Blue' < 'alpha' < 'beta'.
 */
export const binaryOrder = (db: object, column: SQLiteColumn): SQLiteColumn | SQL => (isPgDb(db) ? sql`${column} collate "C"` : column);

/** The same for raw SQL: appended to a text expression in an ORDER BY. */
export const binaryCollate = (kind: StoreKind): string => (kind === 'postgres' ? ' COLLATE "C"' : '');
