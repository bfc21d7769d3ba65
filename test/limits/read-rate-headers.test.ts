/** Rate headers on the model lists and the 403 model_not_allowed of a limited key (in-memory counters). */
import { afterAll, beforeAll, test, setDefaultTimeout } from 'bun:test';
import { startLimitsRig, type LimitsRig } from './limits-helpers';
import { budgetOnlyShowsNone, modelListsShowWindows, modelNotAllowedShowsWindows, teamWindowShown } from './read-rate-headers';

setDefaultTimeout(30_000);

let rig: LimitsRig;
beforeAll(async () => (rig = await startLimitsRig()), 30_000);
afterAll(() => rig.close());

const T0 = Date.parse('2026-03-10T12:00:00Z');

test('GET /v1/models and /v1/models/{id} show the key\'s windows, and reading them counts nothing', () => modelListsShowWindows(rig, T0));
test('a 403 model_not_allowed shows the key\'s windows and counts nothing', () => modelNotAllowedShowsWindows(rig, T0 + 3_600_000));
test('a key in a team with an RPM limit sees the team\'s window on the model list', () => teamWindowShown(rig, T0 + 7_200_000));
test('a key with only a budget gets no rate headers, admitted or not', () => budgetOnlyShowsNone(rig, T0 + 10_800_000));
