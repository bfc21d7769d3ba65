/**
 * A bridged /v1/responses request to DeepSeek (which reads text only) with an image or a file in
 * its input is refused before any call; the refusal names the part where the client sent it
 * (`input[1].content[1]`, an `input_image`), not where the chat translation put it (the
 * instructions become message 0), as the Messages bridge names its blocks. Real gateway, openai
 * SDK; the row picked by request id; DeepSeek never called.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { PNG_BASE64 } from '../messages/messages-helpers';

let deepseek: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  deepseek = startFakeUpstream(() => jsonResponse({ error: { message: 'should not be called' } }, 500));
  gw = await startGateway({ env: providerEnv('deepseek', deepseek.url) });
});
afterAll(async () => {
  await gw.close();
  deepseek.close();
});

const PARTS = {
  input_image: { type: 'input_image' as const, image_url: `data:image/png;base64,${PNG_BASE64}`, detail: 'auto' as const },
  input_file: { type: 'input_file' as const, filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQK' },
};

for (const [type, part] of Object.entries(PARTS)) {
  test(`${type}: 400 unsupported_parameter naming input[1].content[1], nothing sent, one row`, async () => {
    const err = await apiError(
      gw.openai().responses.create({
        model: 'deepseek-chat',
        instructions: 'Be brief.',
        input: [
          { role: 'user', content: 'Hello' },
          { role: 'user', content: [{ type: 'input_text', text: 'What is in this?' }, part as any] },
        ],
      }),
    );
    expect([err.status, err.code, err.param]).toEqual([400, 'unsupported_parameter', 'input[1].content[1]']);
    expect((err as any).error.message).toBe(`Content of type '${type}' (input[1].content[1]) is not supported by provider 'deepseek': its models read text only.`);
    expect(await gw.waitForRow(err)).toMatchObject({ status: 400, endpoint: 'responses' });
    expect(deepseek.requests.length).toBe(0);
  });
}
