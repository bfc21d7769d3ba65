import { defineConfig } from 'drizzle-kit';

/** PostgreSQL migrations, from the twins derived from the SQLite schema (src/db/schema-pg.gen.ts). */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema-pg.gen.ts',
  out: './drizzle-pg',
});
