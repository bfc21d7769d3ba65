/**
 * OpenAI takes any 64-bit `seed` (clients send timestamps and random 53-bit numbers); Gemini's
 * generationConfig.seed is an int32, and Google refuses a larger one with a 400 INVALID_ARGUMENT.
 * The fake refuses as Google does; through the openai SDK the request must be answered, with the
 * seed wrapped to 32 bits (the same seed always the same value; one within range unchanged).
 */
import { expect, test } from 'bun:test';
import { fixtureJson, jsonResponse } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { useFakeProviders } from '../sdk/fake-providers';
import { sdkClient } from '../sdk/openai-sdk-fakes';

let sdk: ReturnType<typeof sdkClient>;
let gw: TestGateway;
const { geminiUp } = useFakeProviders((g) => ((gw = g), (sdk = sdkClient(g))), { gemini: true });
geminiUp.handler = (_req, rec) => {
  const seed = rec.body?.generationConfig?.seed;
  if (seed === undefined || (Number.isInteger(seed) && seed >= -(2 ** 31) && seed < 2 ** 31)) return jsonResponse(fixtureJson('gemini', 'text.json'));
  const message = `Invalid value at 'generation_config.seed' (TYPE_INT32), ${seed}`;
  return jsonResponse({ error: { code: 400, message, status: 'INVALID_ARGUMENT', details: [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'generation_config.seed', description: message }] }] } }, 400);
};

test('a seed past int32 reaches Gemini wrapped to 32 bits and is answered; one within range goes unchanged', async () => {
  for (const [seed, sent] of [[2 ** 40 + 5, 5], [1_765_000_000_123, (1_765_000_000_123 % 2 ** 32) - 2 ** 32], [2 ** 31, -(2 ** 31)], [-7, -7], [2 ** 31 - 1, 2 ** 31 - 1]]) {
    const { data, request_id } = await sdk.client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], seed }).withResponse();
    expect([seed, data.choices[0]!.finish_reason, geminiUp.last().body.generationConfig.seed]).toEqual([seed, 'stop', sent]);
    expect(await gw.waitForRow(request_id!)).toMatchObject({ provider: 'gemini', status: 200 });
  }
});
