/**
 * A file part gives its file one way: an `input_file` on /v1/responses, or chat's `file` part on
 * /v1/chat/completions, with more than one of file_data, file_id and file_url is a 400
 * invalid_request_error in OpenAI's shape naming the part, for every target (OpenAI's own models,
 * passed the body as it came, too), before any call or download: a bridged target used file_data
 * and dropped the rest without a word. One given (a null file_id beside file_data is none) is
 * served as before. Real gateway, openai SDK; every row found by its request id.
 */
import { describe, expect, test } from 'bun:test';
import { fixtureText, rawJsonResponse } from '../helpers/fake-upstream';
import { apiError, type TestGateway } from '../helpers/start-gateway';
import { PDF_BASE64, useDocumentUrlRig } from '../messages/document-url-rig';

let gw: TestGateway;
const { docs, gemini, sent } = useDocumentUrlRig((g) => void (gw = g), {
  openai: () => rawJsonResponse(fixtureText('responses', 'openai-response.json')),
});

const DATA = `data:application/pdf;base64,${PDF_BASE64}`;
const text = { type: 'input_text' as const, text: 'Summarise the report.' };
const ask = (model: string, file: Record<string, unknown>) => ({ model, input: [{ role: 'user' as const, content: [text, { type: 'input_file', ...file } as any] }] });
const nothingSent = () => [docs.hitsOf('/annual-report.pdf'), ...sent()];

async function expectRefused(p: Promise<unknown>, param: string, given: string) {
  const err = await apiError(p);
  expect(err.status).toBe(400);
  expect(err.error).toEqual({
    type: 'invalid_request_error',
    message: `Invalid value for '${param}': only one of 'file_data', 'file_id' or 'file_url' may be given, not ${given}.`,
    param,
    code: 'invalid_request',
  });
  const row = await gw.waitForRow(err.headers!.get('x-request-id')!);
  expect(row.status).toBe(400);
  expect(gw.logs.filter((r) => r.requestId === row.requestId)).toHaveLength(1);
  return row;
}

describe('/v1/responses: an input_file with two sources is refused for every target', () => {
  const CASES: [string, Record<string, unknown>, string][] = [
    ['file_url and file_data', { file_url: docs.url('/annual-report.pdf'), file_data: DATA }, "'file_data' and 'file_url'"],
    ['file_id and file_data', { file_id: 'file-abc123', file_data: DATA, filename: 'report.pdf' }, "'file_data' and 'file_id'"],
    ['all three', { file_id: 'file-abc123', file_url: docs.url('/annual-report.pdf'), file_data: DATA }, "'file_data' and 'file_id' and 'file_url'"],
  ];
  for (const model of ['gemini/gemini-2.5-flash', 'claude-sonnet-4-5', 'openai/gpt-4o-mini']) {
    for (const [name, file, given] of CASES) {
      test(`${model}: ${name}`, async () => {
        const before = nothingSent();
        const row = await expectRefused(gw.openai().responses.create(ask(model, file)), 'input[0].content[1]', given);
        expect(row.endpoint).toBe('responses');
        expect(nothingSent()).toEqual(before);
      });
    }
  }

  test("a function_call_output's output part is named where it is", async () => {
    const input = [
      { type: 'function_call', call_id: 'call_1', name: 'read_report', arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_1', output: [{ type: 'input_file', file_url: docs.url('/annual-report.pdf'), file_data: DATA }] },
    ];
    const before = nothingSent();
    await expectRefused(gw.openai().responses.create({ model: 'gemini/gemini-2.5-flash', input } as any), 'input[1].output[0]', "'file_data' and 'file_url'");
    expect(nothingSent()).toEqual(before);
  });

  test('file_data with a null file_id is one source: served', async () => {
    const { response } = await gw.openai().responses.create(ask('gemini/gemini-2.5-flash', { file_data: DATA, file_id: null, filename: 'report.pdf' })).withResponse();
    expect(gemini.last().body.contents[0].parts[1]).toEqual({ inlineData: { mimeType: 'application/pdf', data: PDF_BASE64 } });
    expect((await gw.waitForRow(response)).status).toBe(200);
  });
});

describe('/v1/chat/completions: a file part with two sources is refused for every target', () => {
  const chat = (model: string, file: Record<string, unknown>) => ({
    model,
    messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Summarise the report.' }, { type: 'file' as const, file } as any] }],
  });
  for (const model of ['gemini/gemini-2.5-flash', 'openai/gpt-4o-mini']) {
    test(`${model}: file_id and file_data`, async () => {
      const before = nothingSent();
      const row = await expectRefused(gw.openai().chat.completions.create(chat(model, { file_id: 'file-abc123', file_data: DATA })), 'messages[0].content[1].file', "'file_data' and 'file_id'");
      expect(row.endpoint).toBe('chat');
      expect(nothingSent()).toEqual(before);
    });
  }

  test('file_url beside file_data (file_url is no chat field, but it is not dropped silently either)', async () => {
    await expectRefused(gw.openai().chat.completions.create(chat('gemini/gemini-2.5-flash', { file_url: docs.url('/annual-report.pdf'), file_data: DATA })), 'messages[0].content[1].file', "'file_data' and 'file_url'");
  });
});
