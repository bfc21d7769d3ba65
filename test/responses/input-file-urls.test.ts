/**
 * An `input_file` given by `file_url` on /v1/responses. OpenAI's own Responses API takes it, so an
 * OpenAI model gets it as sent and the gateway fetches nothing; a bridged target gets the PDF
 * downloaded by the gateway under the image-URL guard (the test allows 127.0.0.1 with
 * LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS), as /v1/messages downloads a document by URL, and
 * inline as its provider takes a file: Gemini `inlineData`, Anthropic a base64 `document`; DeepSeek,
 * which reads no files, refuses it fetching nothing. A URL the guard refuses is a 400 in OpenAI's
 * shape naming the part's `file_url`, nothing sent upstream. Real gateway, openai SDK; every
 * request's row found by its request id. The PDFs come from a loopback Bun.serve only.
 */
import { describe, expect, test } from 'bun:test';
import { fixtureText, rawJsonResponse } from '../helpers/fake-upstream';
import { apiError, type TestGateway } from '../helpers/start-gateway';
import { PDF_BASE64, useDocumentUrlRig } from '../messages/document-url-rig';

let gw: TestGateway;
const { docs, openai, gemini, anthropic: anthropicUp, sent } = useDocumentUrlRig((g) => void (gw = g), {
  openai: () => rawJsonResponse(fixtureText('responses', 'openai-response.json')),
});

const fileUrl = (url: string, extra: Record<string, unknown> = {}) => ({ type: 'input_file' as const, file_url: url, ...extra });
const ask = (model: string, file: Record<string, unknown>) => ({
  model,
  input: [{ role: 'user' as const, content: [{ type: 'input_text' as const, text: 'Summarise the report.' }, file as any] }],
});

describe('bridged targets: the PDF downloaded and sent inline', () => {
  test('Gemini: inlineData with the MIME type the host answered', async () => {
    const before = docs.hitsOf('/annual-report.pdf');
    const { data, response } = await gw.openai().responses.create(ask('gemini/gemini-2.5-flash', fileUrl(docs.url('/annual-report.pdf')))).withResponse();
    expect(data.output_text).not.toBe('');
    expect(gemini.last().body.contents[0].parts).toEqual([{ text: 'Summarise the report.' }, { inlineData: { mimeType: 'application/pdf', data: PDF_BASE64 } }]);
    expect(docs.hitsOf('/annual-report.pdf')).toBe(before + 1);
    const row = await gw.waitForRow(response);
    expect([row.status, row.endpoint, row.provider]).toEqual([200, 'responses', 'gemini']);
  });

  test('Gemini, streamed, through a redirect; a follow-up by previous_response_id downloads the PDF again', async () => {
    const stream = await gw.openai().responses.create({ ...ask('gemini/gemini-2.5-flash', fileUrl(docs.url('/moved.pdf'))), stream: true }).withResponse();
    let id = '';
    for await (const e of stream.data) if (e.type === 'response.completed') id = e.response.id;
    expect(id).toStartWith('resp_');
    expect(gemini.last().body.contents[0].parts[1]).toEqual({ inlineData: { mimeType: 'application/pdf', data: PDF_BASE64 } });
    expect((await gw.waitForRow(stream.response)).status).toBe(200);

    const before = docs.hitsOf('/moved.pdf');
    const { response } = await gw.openai().responses.create({ model: 'gemini/gemini-2.5-flash', previous_response_id: id, input: 'And the second page?' }).withResponse();
    const contents = gemini.last().body.contents;
    expect(contents[0].parts[1]).toEqual({ inlineData: { mimeType: 'application/pdf', data: PDF_BASE64 } });
    expect(contents.at(-1).parts).toEqual([{ text: 'And the second page?' }]);
    expect(docs.hitsOf('/moved.pdf')).toBe(before + 1);
    expect((await gw.waitForRow(response)).status).toBe(200);
  });

  test('Anthropic: a base64 document block titled with the filename', async () => {
    const { response } = await gw.openai().responses.create(ask('claude-sonnet-4-5', fileUrl(docs.url('/annual-report.pdf'), { filename: 'report.pdf' }))).withResponse();
    expect(anthropicUp.last().body.messages[0].content).toEqual([
      { type: 'text', text: 'Summarise the report.' },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF_BASE64 }, title: 'report.pdf' },
    ]);
    const row = await gw.waitForRow(response);
    expect([row.status, row.provider]).toEqual([200, 'anthropic']);
  });

  test('DeepSeek reads no files: the refusal an inline file gets, naming the part, nothing fetched or sent', async () => {
    const before = [docs.hitsOf('/annual-report.pdf'), ...sent()];
    const err = await apiError(gw.openai().responses.create(ask('deepseek/deepseek-chat', fileUrl(docs.url('/annual-report.pdf')))));
    expect([err.status, err.code, err.param]).toEqual([400, 'unsupported_parameter', 'input[0].content[1]']);
    expect([docs.hitsOf('/annual-report.pdf'), ...sent()]).toEqual(before);
    expect((await gw.waitForRow(err)).status).toBe(400);
  });
});

describe('OpenAI: its own Responses API takes file_url', () => {
  test('the part goes as sent, the gateway fetches nothing', async () => {
    const part = fileUrl(docs.url('/annual-report.pdf'), { filename: 'report.pdf' });
    const before = docs.hitsOf('/annual-report.pdf');
    const { response } = await gw.openai().responses.create(ask('openai/gpt-4o-mini', part)).withResponse();
    expect(openai.last().path).toBe('/v1/responses');
    expect(openai.last().body.input[0].content[1]).toEqual(part);
    expect(docs.hitsOf('/annual-report.pdf')).toBe(before);
    const row = await gw.waitForRow(response);
    expect([row.status, row.provider]).toEqual([200, 'openai']);
  });
});

describe('a URL refused on a bridged target: 400 in OpenAI shape naming the file_url, one row, no upstream call', () => {
  const refusals: [string, string, string, string][] = [
    ['not allowed', docs.url('/annual-report.pdf', 'localhost'), 'invalid_document_url', 'Document URL refused: the gateway fetches documents only from http(s) URLs whose host resolves to public addresses. An operator can allow a host with LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS.'],
    ['not found', docs.url('/gone.pdf'), 'invalid_document_url', 'Document URL returned HTTP 404.'],
    ['not a PDF', docs.url('/page.html'), 'invalid_document_url', "Document URL returned content type 'text/html', not a PDF."],
    // An HTML page served as application/pdf (a file host's sign-in page): refused, not sent to the model as a PDF.
    ['a page labelled PDF', docs.url('/sign-in.pdf'), 'invalid_document_url', "Document URL returned content that is not a PDF (it was sent as 'application/pdf')."],
    ['too large', docs.url('/huge.pdf'), 'document_too_large', 'Document is larger than 20 MiB.'],
    ['not http(s)', 'ftp://127.0.0.1/report.pdf', 'invalid_document_url', "'input[0].content[1].file_url' must be an http(s) URL."],
  ];
  for (const [name, url, code, message] of refusals) {
    test(`${name}: ${code}`, async () => {
      const before = sent();
      const err = await apiError(gw.openai().responses.create(ask('gemini/gemini-2.5-flash', fileUrl(url))));
      expect([err.status, err.code, err.param, err.type]).toEqual([400, code, 'input[0].content[1].file_url', 'invalid_request_error']);
      expect((err as any).error.message).toBe(name === 'not http(s)' ? message : `input[0].content[1].file_url: ${message}`);
      expect(sent()).toEqual(before);
      const row = await gw.waitForRow(err);
      expect([row.status, row.endpoint, row.errorType]).toEqual([400, 'responses', code]);
    });
  }
});
