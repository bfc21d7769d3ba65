/**
 * A Responses request's hosted tool that runs a model of its own (OpenAI's image generation tool,
 * gpt-image-1 when it names none) is judged by the key's and team's allow-lists as the request's
 * model is: a key limited to a chat model cannot generate images through it. Through the official
 * openai client against a fake OpenAI.
 */
import { expect, test } from 'bun:test';
import OpenAI from 'openai';
import { fixtureText, rawJsonResponse } from '../helpers/fake-upstream';
import { apiError } from '../helpers/start-gateway';
import { limitedClient, makeTeam, useLimitsRig } from './limits-helpers';

const rig = useLimitsRig((r) => (r.fake.handler = () => rawJsonResponse(fixtureText('responses', 'openai-response.json'))));
const image = (model?: string) => ({ type: 'image_generation' as const, ...(model ? { model } : {}) });
const ask = (tools: OpenAI.Responses.Tool[]) => ({ model: 'lim-model', input: 'Draw a heron', tools });
const fn: OpenAI.Responses.Tool = { type: 'function', name: 'f', parameters: { type: 'object', properties: {} }, strict: false };

async function refused(p: Promise<unknown>, param: string) {
  const n = rig().fake.requests.length;
  const err = await apiError(p);
  expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
  expect([err.status, err.code, err.param, err.type]).toEqual([403, 'model_not_allowed', param, 'permission_error']);
  expect(rig().fake.requests.length).toBe(n);
  expect(await rig().gw.waitForRow(err)).toMatchObject({ endpoint: 'responses', status: 403, errorType: 'model_not_allowed', costUsd: 0 });
  return err;
}

test("a key limited to a chat model: the image generation tool's model, named or its default, is refused with the tool as param; nothing reaches OpenAI", async () => {
  const c = await limitedClient(rig().gw, 'chat only', { models: ['lim-model'] });
  const client = rig().gw.openai(c.key);
  const named = await refused(client.responses.create(ask([{ type: 'web_search' }, fn, image('gpt-image-1')])), 'tools[2].model');
  expect(named.message).toContain("'gpt-image-1'");
  const unnamed = await refused(client.responses.create(ask([image()])), 'tools[0].model');
  expect(unnamed.message).toContain("'gpt-image-1' (its default");
  // Without the tool the key works as before.
  await client.responses.create({ model: 'lim-model', input: 'Hi', tools: [{ type: 'web_search' }] });
});

test('a list that allows the image model (by id or openai/*) lets the tool run; the default counts as gpt-image-1', async () => {
  const byId = rig().gw.openai((await limitedClient(rig().gw, 'images too', { models: ['lim-model', 'gpt-image-1'] })).key);
  await byId.responses.create(ask([image()]));
  await byId.responses.create(ask([image('gpt-image-1')]));
  expect(rig().fake.last().body.tools).toEqual([image('gpt-image-1')]);
  await refused(byId.responses.create(ask([image('gpt-image-1-mini')])), 'tools[0].model');
  const provider = rig().gw.openai((await limitedClient(rig().gw, 'openai any', { models: ['openai/*'] })).key);
  await provider.responses.create(ask([image('gpt-image-1-mini')]));
});

test("the team's list judges the tool's model too", async () => {
  const teamId = await makeTeam(rig().gw, { name: 'writers', models: ['lim-model'] });
  const c = await limitedClient(rig().gw, 'writer', { teamId, models: ['*'] });
  const err = await refused(rig().gw.openai(c.key).responses.create(ask([image('gpt-image-1')])), 'tools[0].model');
  expect(err.message).toContain("team 'writers'");
});
