/**
 * xAI's stored responses through the gateway: a `previous_response_id` follow-up goes to xAI with
 * the same key, only for the client key that made it; retrieve and delete go to xAI; another key
 * gets 404 on reads, and OpenAI's 400 previous_response_not_found for a follow-up, without xAI hearing of it.
 */
import { describe, expect, test } from 'bun:test';
import { apiError, type TestGateway } from '../helpers/start-gateway';
import { ID, useXaiRig } from './xai-rig';

let gw: TestGateway;
const { xai, deepseek } = useXaiRig((g) => (gw = g));

describe("xAI's stored responses", () => {
  test('a previous_response_id follow-up goes to xAI with the key that made it; retrieve and delete too; another key sees none of it', async () => {
    const first = await gw.openai().responses.create({ model: 'grok-fast', input: 'What is the title of x.ai?', tools: [{ type: 'web_search' }] });
    const key = xai.last().headers.authorization;
    expect(first.id).toBe(`resp_${ID}`);

    // xAI gets its own id back.
    const { response } = await gw.openai().responses.create({ model: 'grok-fast', input: 'And of x.com?', previous_response_id: first.id }).withResponse();
    expect(xai.last().body.previous_response_id).toBe(ID);
    expect(xai.last().headers.authorization).toBe(key);
    expect((await gw.waitForRow(response)).provider).toBe('grok');

    // Another client key: refused before xAI hears of it, as for OpenAI's own responses.
    const other = gw.openai(gw.addClient('xai-other').key);
    const before = xai.requests.length;
    const refused = await apiError(other.responses.create({ model: 'grok-fast', input: 'Go on', previous_response_id: first.id }));
    expect([refused.status, refused.code]).toEqual([400, 'previous_response_not_found']);
    expect((await apiError(other.responses.retrieve(first.id))).status).toBe(404);
    expect((await apiError(other.responses.delete(first.id))).status).toBe(404);
    expect(xai.requests.length).toBe(before);

    // The key that made it reads it at xAI, with the same xAI key.
    const got = await gw.openai().responses.retrieve(first.id);
    expect([got.id, got.output_text]).toEqual([first.id, 'xAI builds Grok; its site is https://x.ai.']);
    expect([xai.last().method, xai.last().path, xai.last().headers.authorization]).toEqual(['GET', `/v1/responses/${ID}`, key]);
    // xAI has no input_items or cancel: a 400 that says so, without a call.
    const items = await apiError(gw.openai().responses.inputItems.list(first.id));
    expect(items.status).toBe(400);
    expect(items.message).toContain('xAI Grok');
    expect(xai.last().method).toBe('GET');

    const deleted = await gw.openai().responses.delete(first.id).asResponse();
    expect(await deleted.json()).toEqual({ id: first.id, object: 'response', deleted: true });
    expect([xai.last().method, xai.last().path]).toEqual(['DELETE', `/v1/responses/${ID}`]);
    expect((await apiError(gw.openai().responses.retrieve(first.id))).status).toBe(404);
  });

  test("a follow-up to xAI's response naming a bridged model: a 400 that names xAI, no call", async () => {
    const first = await gw.openai().responses.create({ model: 'grok-fast', input: 'Hi' });
    const err = await apiError(gw.openai().responses.create({ model: 'deepseek-chat', input: 'Go on', previous_response_id: first.id }));
    expect([err.status, err.code, err.param]).toEqual([400, 'unsupported_parameter', 'previous_response_id']);
    expect(err.message).toContain('held by xAI Grok');
    expect(deepseek.requests.length).toBe(0);
  });
});
