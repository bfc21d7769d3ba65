import { is, Param, SQL } from 'drizzle-orm';
import type { Db } from './client';
import { pgTwin } from './pg-schema';
import { pgText, pgValue } from './pg-text';

/**
 * Lets the services' Drizzle queries, written once against the SQLite tables of src/db/schema,
 * run on PostgreSQL: every argument handed to a query builder is translated, SQLite tables and
 * columns (also inside `eq(...)`, `sql\`...\``, params and selected field objects) becoming their
 * PostgreSQL twins (src/db/pg-schema.ts), so each column encodes and decodes values as Postgres
 * stores them (booleans, bigint epoch ms, JSON text).
 *
 * Only what both dialects share works through it: awaiting a builder (rows), `.returning()`,
 * `onConflictDoNothing/DoUpdate`. SQLite's synchronous `.get()/.all()/.run()` do not exist on
 * PostgreSQL; shared code awaits the builder instead .
 */
export function translate(x: unknown): unknown {
  // Strings (values handed to a builder or inside sql`...`) lose any U+0000 PostgreSQL cannot take.
  if (typeof x === 'string') return pgText(x);
  if (x === null || typeof x !== 'object') return x;
  const twin = pgTwin.get(x);
  if (twin) return twin;
  if (Array.isArray(x)) return x.map(translate);
  if (is(x, SQL)) {
    const s = new SQL(x.queryChunks.map(translate) as any);
    (s as any).decoder = translate((x as any).decoder);
    (s as any).shouldInlineParams = (x as any).shouldInlineParams;
    return s;
  }
  if (is(x, SQL.Aliased)) {
    const a = new SQL.Aliased(translate(x.sql) as SQL, x.fieldAlias);
    (a as any).isSelectionField = (x as any).isSelectionField;
    return a;
  }
  if (is(x, Param)) return new Param(pgValue(x.value), translate(x.encoder) as any);
  if (Object.getPrototypeOf(x) === Object.prototype) {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, translate(v)]));
  }
  return x;
}

const wrapped = new WeakMap<object, object>();

/** Wraps a drizzle-orm/bun-sql database (or any builder it returns) so its arguments are translated. */
export function translatingDb<T extends object>(target: T): T {
  const hit = wrapped.get(target);
  if (hit) return hit as T;
  const proxy = new Proxy(target, {
    get(t, prop, receiver) {
      const v = Reflect.get(t, prop, receiver);
      if (typeof v !== 'function' || prop === 'constructor') return v;
      return (...args: unknown[]) => {
        const out = v.apply(t, prop === 'then' || prop === 'catch' || prop === 'finally' ? args : args.map(translate));
        return out !== null && typeof out === 'object' && !(out instanceof Promise) ? translatingDb(out) : out;
      };
    },
  });
  wrapped.set(target, proxy);
  return proxy;
}

/** The translating PostgreSQL database, typed as the SQLite one the services are written against. */
export const asSharedDb = (pgDb: object): Db => markPgDb(translatingDb(pgDb) as unknown as Db);

const pgDbs = new WeakSet<object>();
/** Marks a shared db as PostgreSQL-backed (see isPgDb). */
export function markPgDb(db: Db): Db {
  pgDbs.add(db);
  return db;
}
/** True for a db whose queries must be awaited (PostgreSQL); SQLite's may also run synchronously. */
export const isPgDb = (db: object): boolean => pgDbs.has(db);
