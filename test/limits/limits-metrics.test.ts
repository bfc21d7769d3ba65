/** /metrics reports limit refusals by reason and spend by team. */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from 'bun:test';
import { parsePrometheus, valueOf } from '../metrics/parse-prometheus';
import { apiError } from '../helpers/start-gateway';
import { chatBody, FIXTURE_COST, limitedClient, makeTeam, startLimitsRig, type LimitsRig } from './limits-helpers';

// A loaded CI machine starts a gateway slowly; a limit only bounds a hang.
setDefaultTimeout(30_000);

let rig: LimitsRig;
beforeAll(async () => (rig = await startLimitsRig()), 30_000);
afterAll(() => rig.close());

test('refusals are counted by reason and each team’s spend is exported', async () => {
  const teamId = await makeTeam(rig.gw, { name: 'metrics-team' });
  const c = await limitedClient(rig.gw, 'metered', { teamId, rpm: 1, models: ['lim-model'] });
  const client = rig.gw.openai(c.key);
  await client.chat.completions.create(chatBody());
  await apiError(client.chat.completions.create(chatBody()));
  await apiError(client.chat.completions.create(chatBody('lim-other')));
  const { samples } = parsePrometheus(await (await fetch(`${rig.gw.url}/metrics`)).text());
  expect(valueOf(samples, 'gophergate_limit_refusals_total', { reason: 'rate_limit_exceeded' })).toBe(1);
  expect(valueOf(samples, 'gophergate_limit_refusals_total', { reason: 'model_not_allowed' })).toBe(1);
  expect(valueOf(samples, 'gophergate_team_spend_usd_total', { team: 'metrics-team' })).toBeCloseTo(FIXTURE_COST, 10);
});
