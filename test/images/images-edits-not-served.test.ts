/**
 * /v1/images/edits and /v1/images/variations are not served (README): the official SDK's
 * images.edit and images.createVariation (multipart) get a 404 in OpenAI's shape whose message
 * names the endpoint, as OpenAI's own "Invalid URL (POST /v1/...)" does, so it does not read as a
 * missing model or file.
 */
import { expect, test } from 'bun:test';
import OpenAI, { toFile } from 'openai';
import { apiError, useGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
useGateway((g) => (gw = g));

const png = () => toFile(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'fox.png', { type: 'image/png' });

test('images.edit and images.createVariation: 404 naming the endpoint, OpenAI error shape', async () => {
  const client: OpenAI = gw.openai();
  const edit = await apiError(client.images.edit({ model: 'gpt-image-1', image: await png(), prompt: 'add a hat' }));
  expect([edit.status, edit.type, edit.code]).toEqual([404, 'invalid_request_error', 'not_found']);
  expect(edit.message).toContain('Invalid URL (POST /v1/images/edits)');
  const variation = await apiError(client.images.createVariation({ model: 'dall-e-2', image: await png() }));
  expect([variation.status, variation.code]).toEqual([404, 'not_found']);
  expect(variation.message).toContain('Invalid URL (POST /v1/images/variations)');
});
