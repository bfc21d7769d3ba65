/** Shared checks for the reliability suites: OpenAI's error shape, no stack traces, still serving. */
import { expect } from 'bun:test';
import type { TestGateway } from '../helpers/start-gateway';

/** Traces and paths that must never reach a client: `at foo (/src/x.ts:1:2)`, `file:///...`. */
const LEAK = /\n\s+at\s|\bat .*\.[jt]sx?:\d+|\/src\/|node_modules|file:\/\/\/|\$bunfs/;

/**
 * Asserts an OpenAI-shaped error with the given status; `param` is checked when given. Returns
 * the error object for further checks.
 */
export async function expectApiError(
  res: Response,
  status: number,
  param?: string | null,
): Promise<{ message: string; type: string; param: string | null; code: string | null }> {
  const text = await res.text();
  expect({ status: res.status, text }).toMatchObject({ status });
  expect(res.headers.get('content-type') ?? '').toContain('application/json');
  const body = JSON.parse(text);
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(typeof body.error.type).toBe('string');
  expect(text).not.toMatch(LEAK);
  if (param !== undefined) expect(body.error.param).toBe(param);
  return body.error;
}

/** A good chat request through the mock provider still answers 200 (the gateway kept serving). */
export async function expectStillServing(gw: TestGateway): Promise<void> {
  const r = await gw.openai().chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'still there?' }] });
  expect(r.choices[0]!.message.content).toBe('echo: still there?');
}

/** POSTs raw bytes/text to a gateway path with the client key. */
export function postRaw(gw: TestGateway, path: string, body: BodyInit, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.clientKey}`, 'content-type': 'application/json', ...headers },
    body,
  });
}

/** POSTs a JSON value to a gateway path with the client key. */
export const postJson = (gw: TestGateway, path: string, body: unknown, headers: Record<string, string> = {}) =>
  postRaw(gw, path, JSON.stringify(body), headers);

export const user = (content: unknown) => ({ role: 'user', content });
export const chat = (extra: Record<string, unknown> = {}) => ({ model: 'mock/echo', messages: [user('hi')], ...extra });
