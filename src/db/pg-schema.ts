import { Column, getTableColumns, is, SQL, type Table } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  customType,
  doublePrecision,
  foreignKey,
  index,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  type PgColumn,
  type PgTable,
} from 'drizzle-orm/pg-core';
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';

/**
 * The PostgreSQL twin of every table, derived from the one SQLite definition in src/db/schema/
 * (a column added there appears here; `bun run db:generate` then writes both dialects'
 * migrations). Storage types map as:
 *
 *   SQLite integer            -> bigint (epoch ms needs 64 bits); autoincrement key -> bigserial
 *   integer {mode:'boolean'}  -> boolean
 *   real                      -> double precision
 *   text / text {enum}        -> text
 *   text {mode:'json'}        -> text holding JSON (same bytes as SQLite, parsed by the column)
 *
 * Names, nullability, defaults, primary keys, unique columns, indexes (partial ones with their WHERE) and foreign keys are kept.
 */

/** JSON kept as text: the same stored form as SQLite's `text({ mode: 'json' })`. */
const jsonText = customType<{ data: unknown; driverData: string }>({
  dataType: () => 'text',
  toDriver: (v) => JSON.stringify(v),
  fromDriver: (v) => (typeof v === 'string' ? JSON.parse(v) : v),
});

/** The SQL type each SQLite column type becomes (the dialect comparison test reads this too). */
export const PG_TYPE_OF: Record<string, string> = {
  SQLiteInteger: 'bigint',
  SQLiteBoolean: 'boolean',
  SQLiteReal: 'double precision',
  SQLiteText: 'text',
  SQLiteTextJson: 'text',
};

function pgColumn(c: Column) {
  const anyC = c as any;
  let b: any;
  switch (c.columnType) {
    case 'SQLiteInteger':
      b = anyC.autoIncrement ? bigserial(c.name, { mode: 'number' }) : bigint(c.name, { mode: 'number' });
      break;
    case 'SQLiteBoolean':
      b = boolean(c.name);
      break;
    case 'SQLiteReal':
      b = doublePrecision(c.name);
      break;
    case 'SQLiteText':
      b = c.enumValues?.length ? text(c.name, { enum: c.enumValues as [string, ...string[]] }) : text(c.name);
      break;
    case 'SQLiteTextJson':
      b = jsonText(c.name);
      break;
    default:
      throw new Error(`pg-schema: no PostgreSQL mapping for ${c.columnType} (column ${c.name}); add one to PG_TYPE_OF`);
  }
  if (c.primary) b = b.primaryKey();
  else if (c.notNull) b = b.notNull();
  // JSON defaults are stored as their text, exactly as SQLite stores them.
  if (c.hasDefault && c.default !== undefined) b = b.default(c.columnType === 'SQLiteTextJson' ? JSON.stringify(c.default) : c.default);
  if (c.isUnique) b = b.unique(c.uniqueName);
  return b;
}

const pgByName = new Map<string, PgTable>();
/** SQLite table or column -> its PostgreSQL twin (the Postgres store translates queries with it). */
export const pgTwin = new WeakMap<object, object>();

/** The PostgreSQL twin of a SQLite table (built once; referenced tables must be derived first). */
export function toPgTable<T extends SQLiteTable>(t: T): PgTable {
  const cached = pgTwin.get(t);
  if (cached) return cached as PgTable;
  const cfg = getTableConfig(t);
  const cols = getTableColumns(t);
  const builders = Object.fromEntries(Object.entries(cols).map(([key, c]) => [key, pgColumn(c)]));
  const keyOf = new Map(Object.entries(cols).map(([key, c]) => [c.name, key]));
  const table = pgTable(cfg.name, builders, (pt: any) => {
    const col = (c: Column) => pt[keyOf.get(c.name)!] as PgColumn;
    return [
      ...cfg.primaryKeys.map((p) => primaryKey({ name: p.getName(), columns: p.columns.map(col) as [PgColumn, ...PgColumn[]] })),
      ...cfg.indexes.map((i) => {
        // An expression (`lower(username)`) or a partial index's WHERE is kept with its columns swapped for their twins.
        const twin = (e: SQL) => new SQL(e.queryChunks.map((q) => (is(q, Column) ? col(q) : q)));
        const on = i.config.columns.map((c) => (is(c, SQL) ? twin(c) : col(c as Column))) as [PgColumn, ...PgColumn[]];
        const built = (i.config.unique ? uniqueIndex(i.config.name) : index(i.config.name)).on(...on);
        return i.config.where ? built.where(twin(i.config.where)) : built;
      }),
      ...cfg.foreignKeys.map((f) => {
        const ref = f.reference();
        const target = pgByName.get(getTableConfig(ref.foreignTable).name) as any;
        if (!target) throw new Error(`pg-schema: derive ${getTableConfig(ref.foreignTable).name} before ${cfg.name}`);
        const targetKeys = getTableColumns(ref.foreignTable);
        const targetCol = (c: Column) => target[Object.entries(targetKeys).find(([, v]) => v === c)![0]] as PgColumn;
        let fk: any = foreignKey({
          name: f.getName(),
          columns: ref.columns.map(col) as [PgColumn, ...PgColumn[]],
          foreignColumns: ref.foreignColumns.map(targetCol) as [PgColumn, ...PgColumn[]],
        });
        if (f.onDelete) fk = fk.onDelete(f.onDelete);
        if (f.onUpdate) fk = fk.onUpdate(f.onUpdate);
        return fk;
      }),
    ];
  });
  pgByName.set(cfg.name, table);
  pgTwin.set(t, table);
  const pgCols = getTableColumns(table);
  for (const [key, c] of Object.entries(cols)) pgTwin.set(c, pgCols[key]!);
  return table;
}

/** Twins of every SQLite table in a schema module, under the same export names, referenced tables first. */
export function toPgSchema(schema: Record<string, unknown>): Record<string, PgTable> {
  const entries = Object.entries(schema).filter(([, v]) => is(v, SQLiteTable)) as [string, SQLiteTable][];
  const out: Record<string, PgTable> = {};
  const visit = (name: string, t: SQLiteTable, stack: Set<Table>) => {
    if (out[name]) return;
    if (stack.has(t)) throw new Error(`pg-schema: foreign key cycle at ${name}`);
    stack.add(t);
    for (const f of getTableConfig(t).foreignKeys) {
      const dep = entries.find(([, v]) => v === f.reference().foreignTable);
      if (dep) visit(dep[0], dep[1], stack);
    }
    out[name] = toPgTable(t);
  };
  for (const [name, t] of entries) visit(name, t, new Set());
  return out;
}
