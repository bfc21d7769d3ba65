/** Paths that used to reach an unexpected error: a clean 404 or 400, never a 500. */
import { expect, setDefaultTimeout, test } from 'bun:test';
import { useGateway, type TestGateway } from '../helpers/start-gateway';

// Gateways, password hashes and raw sockets: seconds on a loaded machine. A limit only bounds a hang.
setDefaultTimeout(60_000);

let gw: TestGateway;
useGateway((g) => void (gw = g));

test('asset names that are Object.prototype members are 404', async () => {
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
    const res = await fetch(`${gw.url}/assets/${name}`);
    expect({ name, status: res.status }).toEqual({ name, status: 404 });
  }
  expect((await fetch(`${gw.url}/assets/app.css`)).status).toBe(200);
});

test('a malformed percent-encoding in /v1/models/{id} is 400 in OpenAI shape', async () => {
  for (const id of ['%E0%A4%A', '%', '%ZZ', '%C0%AF', 'a%E0b']) {
    const res = await gw.fetch(`/v1/models/${id}`);
    expect({ id, status: res.status }).toEqual({ id, status: 400 });
    const body = (await res.json()) as any;
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: 'model', code: 'invalid_model' });
  }
  expect((await gw.fetch('/v1/models/no-such-model')).status).toBe(404);
});

test('a malformed percent-encoding in /v1/responses/{id} is 400 in OpenAI shape on every read', async () => {
  for (const [method, suffix] of [['GET', ''], ['DELETE', ''], ['GET', '/input_items'], ['POST', '/cancel']] as const)
    for (const id of ['%ZZ', '%E0%A4%A', 'resp_%C0%AF']) {
      const res = await gw.fetch(`/v1/responses/${id}${suffix}`, { method });
      expect({ method, suffix, id, status: res.status }).toEqual({ method, suffix, id, status: 400 });
      expect(((await res.json()) as any).error).toEqual({
        message: 'The response id in the path is not valid percent-encoded UTF-8.',
        type: 'invalid_request_error',
        param: 'response_id',
        code: 'invalid_request',
      });
    }
  expect((await gw.fetch('/v1/responses/resp_no_such')).status).toBe(404);
});
