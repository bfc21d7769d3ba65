/**
 * An instance killed outright (kill -9) while it runs a bridged background response, with several
 * instances on PostgreSQL and Redis: two gateway PROCESSES (B survives, A dies) on one database of
 * the test's own and a Redis server of its own. The response was stored `in_progress` naming A (its
 * identity in Redis, the one its heartbeat beats under); nothing runs it once A is dead. When B's
 * heartbeat takes A for dead (README: silent for 10 s, beats every 2 s), B stores it `failed` with
 * OpenAI's `server_error`, so a client polling `retrieve` (on B) sees it end, and a follow-up with
 * `previous_response_id` on B continues from its input. B's own response, running all along, is
 * untouched: by A's start (an instance starting on PostgreSQL fails no one's responses) and by the
 * recovery. Heavy (spawns processes): run with `bun test test/cluster`.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { createClientKey, type GatewayProcess } from '../helpers/gateway-process';
import { eventually } from '../helpers/redis-env';
import { killedInstanceRig, type KilledInstanceRig } from './killed-instance-rig';

setDefaultTimeout(90_000);

const ADMIN_PASSWORD = 'killed-responses-pg-admin-password';
const MODEL = 'deepseek/deepseek-chat';

let rig: KilledInstanceRig;
let A: GatewayProcess | undefined, B: GatewayProcess | undefined;

beforeAll(async () => {
  rig = await killedInstanceRig({ prefix: 'qa-killed-responses:', dbPrefix: 'qa_killed_responses_pg', adminPassword: ADMIN_PASSWORD });
});
afterAll(() => rig?.close([A, B]));

const sdk = (gw: GatewayProcess, key: string) => new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
/** The stored row as PostgreSQL holds it: its status and the instance named as running it. */
const stored = async (id: string) => {
  const [row] = await rig.pg`SELECT runner, response::json ->> 'status' AS status FROM stored_responses WHERE id = ${id}`;
  return row as { runner: string | null; status: string } | undefined;
};
const instances = () => rig.instances();

test('a background response of an instance killed outright ends failed on the survivor within the heartbeat; the survivor\'s own runs on', async () => {
  B = await rig.start('gw-b'); // creates and migrates the database
  const key = await createClientKey(B.url, ADMIN_PASSWORD, 'killed-responses-pg');
  const onB = sdk(B, key);
  rig.streams.hold();
  // B's own response, running (held upstream) through A's start, A's death and the recovery.
  const own = await onB.responses.create({ model: MODEL, input: 'runs on B', background: true });
  expect(await eventually(async () => (await stored(own.id))?.status === 'in_progress', 10_000)).toBe(true);

  A = await rig.start('gw-a');
  // A is listed in Redis (it beat as it connected) before it is given anything to run.
  expect(await eventually(async () => (await instances()).length === 2, 10_000)).toBe(true);
  const onA = sdk(A, key);
  const bg = await onA.responses.create({ model: MODEL, input: 'runs on A', background: true });
  expect(await eventually(async () => (await stored(bg.id))?.status === 'in_progress', 10_000)).toBe(true);
  const runners = { a: (await stored(bg.id))!.runner, b: (await stored(own.id))!.runner };
  // Each row names the instance running it by its identity in Redis (the heartbeat's).
  expect([runners.a, runners.b].sort()).toEqual(await instances());
  expect(runners.a).not.toBe(runners.b);
  // A's start left B's response alone; B serves A's as running too (read from PostgreSQL).
  expect((await onB.responses.retrieve(own.id)).status).toBe('in_progress');
  expect((await onB.responses.retrieve(bg.id)).status).toBe('in_progress');

  A.proc.kill('SIGKILL');
  await A.proc.exited;

  // Bounded: once B's beat takes A for dead (10 s silent), B stores A's response failed.
  let seen: OpenAI.Responses.Response | undefined;
  expect(await eventually(async () => (seen = await onB.responses.retrieve(bg.id)).status === 'failed', 25_000, 250)).toBe(true);
  expect(seen!.error).toEqual({ code: 'server_error', message: expect.stringContaining('gateway stopped before this response ended') });
  expect(seen!.background).toBe(true);
  expect(await instances()).toEqual([runners.b!]);
  expect(await stored(bg.id)).toEqual({ runner: null, status: 'failed' });

  // B's own response is untouched: still running, still named B's.
  expect((await onB.responses.retrieve(own.id)).status).toBe('in_progress');
  expect(await stored(own.id)).toEqual({ runner: runners.b, status: 'in_progress' });

  // A follow-up on B continues from the failed response's input (not refused as still in progress).
  const next = await onB.responses.create({ model: MODEL, input: 'go on', previous_response_id: bg.id });
  expect(next.status).toBe('completed');
  expect(next.previous_response_id).toBe(bg.id);

  // B's own ends as it would have, and its row then names no instance.
  rig.streams.release();
  expect(await eventually(async () => (await onB.responses.retrieve(own.id)).status === 'completed', 15_000, 100)).toBe(true);
  expect(await eventually(async () => (await stored(own.id))?.runner === null, 5_000)).toBe(true);
});
