/**
 * Refusals written with ApiError's options object answer exactly as before: the whole error
 * body, the status and the extra headers, for those no other test pins down in full.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { GroupValidationError } from '../../src/admin/groups-service';
import { storeUnavailable } from '../../src/auth/store-unavailable';
import { toErrorResponse } from '../../src/errors/api-error';
import { LimitsUnavailableError } from '../../src/limits/limits-unavailable';
import { tooManySockets } from '../../src/monitor/monitor-socket-caps';
import { overloaded } from '../../src/proxy/upstream-slots';
import { providerEnv, type TestGateway } from '../helpers/start-gateway';
import { api, json, useAdminGateway, type Session } from '../helpers/admin-harness';

setDefaultTimeout(30_000);

const body = (message: string, type: string, code: string, param: string | null = null) => ({ error: { message, type, param, code } });

describe('refusals built outside a request', () => {
  test('each keeps its status, body and headers', () => {
    expect(toErrorResponse(tooManySockets('session'))).toEqual({
      status: 429,
      body: body('Too many monitor connections for this session (at most 8); close another tab first.', 'rate_limit_error', 'too_many_connections'),
      headers: {},
    });
    expect(toErrorResponse(tooManySockets('user')).body).toEqual(
      body('Too many monitor connections for this user (at most 32); close another tab first.', 'rate_limit_error', 'too_many_connections'),
    );
    expect(toErrorResponse(overloaded(64, 30))).toEqual({
      status: 503,
      body: body('The gateway is at its limit of 64 upstream requests in flight and this request waited 30 s for a slot; retry later.', 'server_error', 'overloaded'),
      headers: { 'retry-after': '1' },
    });
    expect(toErrorResponse(storeUnavailable())).toEqual({
      status: 503,
      body: body('The database is unreachable; the admin API is unavailable until it is back. /v1 keeps serving.', 'api_error', 'store_unavailable'),
      headers: { 'retry-after': '5' },
    });
    expect(toErrorResponse(new LimitsUnavailableError())).toEqual({
      status: 503,
      body: body('Limits cannot be checked right now: the shared counters (Redis) are unreachable. Try again shortly.', 'api_error', 'limits_unavailable'),
      headers: { 'retry-after': '1' },
    });
    const problems = [{ group: 'a', field: 'targets', message: 'unknown target x' }, { group: 'b', field: 'targets', message: 'cycle' }];
    expect(toErrorResponse(new GroupValidationError(problems))).toEqual({
      status: 400,
      body: body('a: unknown target x; b: cycle', 'invalid_request_error', 'invalid_group', 'targets'),
      headers: {},
    });
    // A problem in the settings names that field, not `targets`.
    const timeout = [{ group: 'c', field: 'settings.timeout_ms', message: 'settings.timeout_ms must be a positive number' }];
    expect(toErrorResponse(new GroupValidationError(timeout)).body).toEqual(
      body('c: settings.timeout_ms must be a positive number', 'invalid_request_error', 'invalid_group', 'settings.timeout_ms'),
    );
  });
});

describe('refusals of the admin API', () => {
  let gw: TestGateway;
  let admin: Session;
  useAdminGateway((s) => ({ gw, admin } = s), { env: providerEnv('openai', 'http://127.0.0.1:9/v1') });

  const expectAnswer = async (r: Response, status: number, expected: ReturnType<typeof body>) => {
    expect({ status: r.status, body: await json(r) }).toEqual({ status, body: expected });
  };

  test('taken names: user, group, team', async () => {
    await expectAnswer(
      await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'admin', password: 'whatever-123', role: 'viewer' } }),
      409,
      body("The username 'admin' is taken.", 'invalid_request_error', 'username_taken', 'username'),
    );
    // In another case too: 'Admin' would share admin's sign-in throttle and look like the same person.
    await expectAnswer(
      await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'Admin', password: 'whatever-123', role: 'viewer' } }),
      409,
      body("The username 'Admin' is taken.", 'invalid_request_error', 'username_taken', 'username'),
    );
    const group = { strategy: 'heuristic', targets: ['gpt-4o-mini'], logic_level: 3, primary_use: 'tests' };
    expect((await api(gw, 'POST', '/api/groups', { as: admin, body: { name: 'taken', ...group } })).status).toBe(201);
    await expectAnswer(
      await api(gw, 'POST', '/api/groups', { as: admin, body: { name: 'taken', ...group } }),
      409,
      body("A model group named 'taken' exists; use PUT /api/groups/taken to change it.", 'invalid_request_error', 'group_exists', 'name'),
    );
    expect((await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'taken' } })).status).toBe(201);
    await expectAnswer(
      await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'taken' } }),
      409,
      body("A team named 'taken' exists already.", 'invalid_request_error', 'team_exists', 'name'),
    );
  });

  test('the last admin, a key already in the pool', async () => {
    const me = (await json(await api(gw, 'GET', '/api/auth/me', { as: admin }))).user.id;
    await expectAnswer(
      await api(gw, 'PATCH', `/api/users/${me}`, { as: admin, body: { role: 'viewer' } }),
      409,
      body('This is the last admin; make another user admin first.', 'invalid_request_error', 'last_admin'),
    );
    const key = { key: 'sk-refusal-test-key-0123456789', label: 'first' };
    expect((await api(gw, 'POST', '/api/providers/openai/keys', { as: admin, body: key })).status).toBe(201);
    await expectAnswer(
      await api(gw, 'POST', '/api/providers/openai/keys', { as: admin, body: { ...key, label: 'again' } }),
      409,
      body("This key is already in the openai pool as 'first'. To start it afresh, remove it and add it again.", 'invalid_request_error', 'duplicate_provider_key', 'key'),
    );
  });

  test('a wrong password', async () => {
    await expectAnswer(
      await api(gw, 'POST', '/api/auth/login', { body: { username: 'admin', password: 'not-the-password' } }),
      401,
      body('Wrong username or password.', 'authentication_error', 'invalid_credentials'),
    );
  });
});
