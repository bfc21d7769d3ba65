/**
 * DELETE /v1/responses/{id} of a bridged `background: true` response still running: as at OpenAI,
 * it stops. It is cancelled first, as `cancel` does (the upstream call ended, the one row billing
 * what was used so far, the key's reservation settled), then deleted. Another key still gets 404;
 * a response already finished is deleted as before.
 */
import { expect, test } from 'bun:test';
import { readChunks, sseResponse } from '../helpers/fake-upstream';
import { apiError } from '../helpers/start-gateway';
import { limitedClient, useBridgedLimitsRig, type LimitsRig } from '../limits/limits-helpers';

const CHUNKS = readChunks('responses', 'deepseek-reasoner-text.chunks.txt');
let rig: LimitsRig;
const deepseek = useBridgedLimitsRig((r) => (rig = r));

test('deleting a running background response cancels it: upstream call ended, one row (as cancel logs it), reservation settled; then 404', async () => {
  // Sends a few chunks, then keeps the stream open without ending it.
  deepseek.handler = () => sseResponse([...CHUNKS, '[DONE]'], { hangAfter: 3, onAbort: () => deepseek.noteAbort() });
  const aborts = deepseek.aborts;
  const c = await limitedClient(rig.gw, 'bg-delete', { budgetUsd: 1, budgetPeriod: 'month' });
  const openai = rig.gw.openai(c.key);
  const { data: queued, request_id } = await openai.responses
    .create({ model: 'lim-bridged', input: 'A long essay', background: true, max_output_tokens: 600 })
    .withResponse();
  for (let i = 0; i < 1_500 && (await openai.responses.retrieve(queued.id)).status !== 'in_progress'; i++) await Bun.sleep(10);
  expect((await openai.responses.retrieve(queued.id)).status).toBe('in_progress');
  const scope = rig.gw.ctx.state.getSnapshot().clientsById!.get(c.id)!.limits!.scopes[0]!;
  expect(await rig.gw.ctx.limits.counters.outstanding(scope)).toMatchObject({ inFlight: 1 });

  // Another key: 404, and the response runs on.
  const other = rig.gw.openai(rig.gw.addClient('another key').key);
  expect((await apiError(other.responses.delete(queued.id))).status).toBe(404);
  expect((await openai.responses.retrieve(queued.id)).status).toBe('in_progress');

  const answer = await openai.responses.delete(queued.id).asResponse();
  expect([answer.status, await answer.json()]).toEqual([200, { id: queued.id, object: 'response', deleted: true }]);
  await deepseek.waitForAbort(aborts + 1);

  // One row, as the cancel path writes it: 499, what was delivered before the delete (estimated).
  const row = await rig.gw.waitForRow(request_id!);
  expect(row).toMatchObject({ endpoint: 'responses', status: 499, estimated: true });
  expect(row.completionTokens).toBeGreaterThan(0);
  expect(rig.gw.logs.filter((r) => r.requestId === request_id).length).toBe(1);
  // The reservation is settled at that row's cost.
  expect(await rig.gw.ctx.limits.counters.outstanding(scope)).toEqual({ reservedUsd: 0, inFlight: 0 });
  expect(await rig.gw.ctx.limits.counters.spend(scope, rig.clock.now)).toBeCloseTo(row.costUsd!, 9);

  expect((await apiError(openai.responses.retrieve(queued.id))).status).toBe(404);
  expect((await apiError(openai.responses.delete(queued.id))).status).toBe(404);
  // The cancel's last save did not bring it back.
  await rig.gw.ctx.responseStore.flush();
  expect((await apiError(openai.responses.retrieve(queued.id))).status).toBe(404);
});

test('a finished background response is deleted as before', async () => {
  deepseek.handler = () => sseResponse([...CHUNKS, '[DONE]']);
  const openai = rig.gw.openai();
  const { data: queued, request_id } = await openai.responses.create({ model: 'lim-bridged', input: 'Hello', background: true }).withResponse();
  expect(await rig.gw.waitForRow(request_id!)).toMatchObject({ endpoint: 'responses', status: 200 });
  for (let i = 0; i < 1_500 && (await openai.responses.retrieve(queued.id)).status !== 'completed'; i++) await Bun.sleep(10);
  expect((await openai.responses.retrieve(queued.id)).status).toBe('completed');
  const answer = await openai.responses.delete(queued.id).asResponse();
  expect(await answer.json()).toEqual({ id: queued.id, object: 'response', deleted: true });
  expect((await apiError(openai.responses.retrieve(queued.id))).status).toBe(404);
  expect(rig.gw.logs.filter((r) => r.requestId === request_id).length).toBe(1);
});
