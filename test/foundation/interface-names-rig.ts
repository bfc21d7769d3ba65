/**
 * The rig of the interface-names-*.test.ts files (INTERFACE.md's names called literally): a
 * gateway with the mock provider, an env OpenAI key on a fake upstream, an admin and a viewer
 * session and the group `iface-group`; the request bodies and error-shape checks they share.
 */
import { expect, setDefaultTimeout } from 'bun:test';
import { api, json, makeUser, useAdminGateway, type Session } from '../helpers/admin-harness';
import { jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';

export const ENV_OPENAI_KEY = 'sk-env-openai-key-0123456789';

export interface InterfaceRig {
  gw: TestGateway;
  admin: Session;
  viewer: Session;
}

/** Starts the gateway before the file's tests (then hands the rig to `ready`); the helpers need it up. */
export function useInterfaceGateway(ready: (rig: InterfaceRig) => void) {
  // Gateways and password hashes: seconds on a loaded machine. A limit only bounds a hang.
  setDefaultTimeout(30_000);

  const openaiFake = startFakeUpstream((req) => {
    const path = new URL(req.url).pathname;
    if (path.endsWith('/images/generations')) return jsonResponse({ created: 1, data: [{ b64_json: 'aGk=' }] });
    return jsonResponse({ error: { message: 'not here', type: 'invalid_request_error' } }, 404);
  });

  let gw: TestGateway;
  let admin: Session;
  useAdminGateway(async (s) => {
    ({ gw, admin } = s);
    const viewer = await makeUser(gw, admin, 'iface-viewer', 'viewer');
    const group = await api(gw, 'POST', '/api/groups', { as: admin, body: { name: 'iface-group', strategy: 'heuristic', targets: ['mock/echo'] } });
    if (group.status !== 201) throw new Error(`POST /api/groups: ${group.status}`);
    ready({ gw, admin, viewer });
  }, {
    env: {
      LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true',
      LLM_PROXY__PROVIDERS__MOCK__MODELS: 'iface-listed',
      OPENAI_API_KEY: ENV_OPENAI_KEY,
      LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: `${openaiFake.url}/v1`,
      // DeepSeek has no embeddings: enabled (its key set) so the refusal is about the capability.
      DEEPSEEK_API_KEY: 'sk-env-deepseek-key-0123456789',
      LLM_PROXY__PROVIDERS__DEEPSEEK__BASE_URL: `${openaiFake.url}/v1`,
      LLM_PROXY__INSTANCE_ID: 'iface-instance',
      LLM_PROXY__SERVER__MAX_BODY_MB: '0.01',
    },
    // Rows go to the database, where GET /api/logs reads them.
    storeLogs: true,
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    gw.fetch(path, { method: 'POST', body: JSON.stringify(body), headers });
  /** A /v1/messages call with the key as x-api-key (Claude Code's way), no Authorization header. */
  const anthropicPost = (path: string, key: string, body: unknown) =>
    fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  async function newKey(body: object): Promise<{ id: number; key: string }> {
    const r = await api(gw, 'POST', '/api/clients', { as: admin, body: { name: `k-${crypto.randomUUID().slice(0, 8)}`, ...body } });
    expect(r.status).toBe(201);
    return json(r);
  }
  return { post, anthropicPost, newKey };
}

export const chat = (model = 'mock/echo', extra: object = {}) => ({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });
export const message = (model = 'mock/echo', extra: object = {}) => ({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }], ...extra });

export async function openaiError(r: Response, status: number, fields: { type?: string; code?: string; param?: string | null } = {}) {
  const b = await json(r);
  expect({ status: r.status, body: b }).toMatchObject({ status, body: { error: fields } });
  expect(Object.keys(b.error).sort()).toEqual(['code', 'message', 'param', 'type']);
}
/** Anthropic's error body, the gateway's `code` in `error.details.error_code` (where Anthropic's SDK reads `errorCode`). */
export async function anthropicError(r: Response, status: number, type: string, code: string) {
  expect({ status: r.status, body: await json(r) }).toEqual({ status, body: { type: 'error', error: { type, message: expect.any(String), details: { error_code: code } } } });
}
