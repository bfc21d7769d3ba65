/** `--reset-admin` from another process ends a live server's cached admin sessions at once. */
import { Database } from 'bun:sqlite';
import { expect, setDefaultTimeout, test } from 'bun:test';
import { drizzle } from 'drizzle-orm/bun-sqlite';
import * as schema from '../../src/db/schema';
import { resetAdmin } from '../../src/db/seed/seed';
import type { TestGateway } from '../helpers/start-gateway';
import { api, useAdminGateway, type Session } from '../helpers/admin-harness';

// Gateways, password hashes and raw sockets: seconds on a loaded machine. A limit only bounds a hang.
setDefaultTimeout(60_000);

let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => void ({ gw, admin } = s));

test('a reset through another connection (as the CLI does) is seen on the next request, not after the cache time', async () => {
  expect((await api(gw, 'GET', '/api/auth/me', { as: admin })).status).toBe(200); // now cached
  const path = gw.ctx.config.database.path;
  const other = new Database(path); // a second connection: what `gophergate --reset-admin` opens
  try {
    other.exec('PRAGMA busy_timeout = 5000');
    expect(resetAdmin(drizzle(other, { schema }))).toEqual({ what: 'reset', username: 'admin' });
  } finally {
    other.close();
  }
  // no clock moved: the old session must be refused at once
  expect((await api(gw, 'GET', '/api/auth/me', { as: admin })).status).toBe(401);
  expect((await api(gw, 'GET', '/api/clients', { as: admin })).status).toBe(401);
});
