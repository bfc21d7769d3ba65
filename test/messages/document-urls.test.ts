/**
 * A `document` block given by URL (`source: {type: 'url', url}`: what @ai-sdk/anthropic sends for a
 * PDF URL) on translated targets: the gateway downloads the PDF under the image-URL guard (the test
 * allows 127.0.0.1 with LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS, as for images) and gives it to
 * OpenAI as a `file` part with base64 `file_data` and the title as filename, to Gemini as inline
 * data; DeepSeek, which reads no PDFs, refuses it as it refuses a base64 PDF, fetching nothing. A
 * URL the guard refuses is a 400 naming the block, nothing sent upstream; Anthropic gets the URL
 * as sent. The documents come from a loopback Bun.serve only; every request leaves one row.
 */
import { describe, expect, test } from 'bun:test';
import { createAnthropic } from '@ai-sdk/anthropic';
import { generateText, streamText } from 'ai';
import type { TestGateway } from '../helpers/start-gateway';
import { PDF_BASE64, useDocumentUrlRig } from './document-url-rig';
import { anthropicClient } from './messages-helpers';

// The SDK does not know the gateway's ids' output limits: no warnings.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

let gw: TestGateway;
const { docs, openai, gemini, anthropic: anthropicUp, sent } = useDocumentUrlRig((g) => void (gw = g));
const docUrl = docs.url;
const hitsOf = docs.hitsOf;

const urlDocument = (url: string, extra: Record<string, unknown> = {}) => ({ type: 'document' as const, source: { type: 'url' as const, url }, ...extra });
const ask = (model: string, doc: ReturnType<typeof urlDocument>) => ({
  model, max_tokens: 200,
  messages: [{ role: 'user' as const, content: [doc, { type: 'text' as const, text: 'Summarise the report.' }] }],
});

describe('@anthropic-ai/sdk', () => {
  test('OpenAI: the PDF downloaded and sent as a file part, base64 file_data, the title as filename', async () => {
    const { data, response } = await anthropicClient(gw)
      .messages.create(ask('openai/gpt-4o-mini', urlDocument(docUrl('/annual-report.pdf'), { title: 'Annual report 2024' })))
      .withResponse();
    expect(data.content.some((b) => b.type === 'text')).toBe(true);
    expect(openai.last().body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'file', file: { filename: 'Annual report 2024', file_data: `data:application/pdf;base64,${PDF_BASE64}` } },
          { type: 'text', text: 'Summarise the report.' },
        ],
      },
    ]);
    const row = await gw.waitForRow(response.headers.get('x-request-id')!);
    expect([row.status, row.endpoint, row.provider]).toEqual([200, 'messages', 'openai']);
  });

  test('OpenAI, streamed: a redirect on an allowed host is followed; a document without a title is named document.pdf', async () => {
    const before = hitsOf('/moved.pdf');
    const stream = anthropicClient(gw).messages.stream(ask('openai/gpt-4o-mini', urlDocument(docUrl('/moved.pdf'))));
    const message = await stream.finalMessage();
    expect(message.stop_reason).toBe('end_turn');
    expect(hitsOf('/moved.pdf')).toBe(before + 1);
    expect(openai.last().body.messages[0].content[0]).toEqual({ type: 'file', file: { filename: 'document.pdf', file_data: `data:application/pdf;base64,${PDF_BASE64}` } });
    const row = await gw.waitForRow((await stream.withResponse()).response.headers.get('x-request-id')!);
    expect([row.status, row.stream]).toEqual([200, true]);
  });

  test('DeepSeek reads no PDFs: the refusal a base64 PDF gets, naming the block, nothing fetched or sent', async () => {
    const before = [hitsOf('/annual-report.pdf'), ...sent()];
    const err: any = await anthropicClient(gw).messages.create(ask('deepseek/deepseek-chat', urlDocument(docUrl('/annual-report.pdf')))).catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error.error).toEqual({
      type: 'invalid_request_error',
      message: "Content of type 'document' (messages.0.content.0) is not supported by provider 'deepseek': its models read text only.",
      details: { error_code: 'unsupported_parameter' },
    });
    expect([hitsOf('/annual-report.pdf'), ...sent()]).toEqual(before);
    expect((await gw.waitForRow(err.headers.get('x-request-id'))).status).toBe(400);
  });

  test('Anthropic: the URL goes as sent (Anthropic fetches it), the gateway fetches nothing', async () => {
    const doc = urlDocument(docUrl('/annual-report.pdf'), { title: 'Annual report 2024', context: 'Fiscal year 2024' });
    const before = hitsOf('/annual-report.pdf');
    const { response } = await anthropicClient(gw).messages.create(ask('claude-sonnet-4-5', doc)).withResponse();
    expect(anthropicUp.last().body.messages[0].content[0]).toEqual(doc);
    expect(hitsOf('/annual-report.pdf')).toBe(before);
    expect((await gw.waitForRow(response.headers.get('x-request-id')!)).status).toBe(200);
  });
});

describe('a URL the guard refuses: 400 naming the block, one row, no upstream call', () => {
  const refusals: [string, string, string, string][] = [
    // localhost is loopback and not in the allow-list (127.0.0.1 is): refused before any connection.
    ['not allowed', docUrl('/annual-report.pdf', 'localhost'), 'invalid_document_url', 'Document URL refused: the gateway fetches documents only from http(s) URLs whose host resolves to public addresses. An operator can allow a host with LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS.'],
    ['not found', docUrl('/gone.pdf'), 'invalid_document_url', 'Document URL returned HTTP 404.'],
    ['not a PDF', docUrl('/page.html'), 'invalid_document_url', "Document URL returned content type 'text/html', not a PDF."],
    // An HTML page served as application/pdf (a file host's sign-in page): refused, not sent to the model as a PDF.
    ['a page labelled PDF', docUrl('/sign-in.pdf'), 'invalid_document_url', "Document URL returned content that is not a PDF (it was sent as 'application/pdf')."],
    ['too large', docUrl('/huge.pdf'), 'document_too_large', 'Document is larger than 20 MiB.'],
  ];
  for (const [name, url, code, message] of refusals) {
    test(`${name}: ${code}`, async () => {
      const before = sent();
      const hostHits = hitsOf('/annual-report.pdf');
      const err: any = await anthropicClient(gw)
        .messages.create({ model: 'openai/gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user', content: [{ type: 'text', text: 'Read this.' }, urlDocument(url)] }] })
        .catch((e) => e);
      expect(err.status).toBe(400);
      expect(err.error.error).toEqual({ type: 'invalid_request_error', message: `messages.0.content.1.source.url: ${message}`, details: { error_code: code } });
      expect(sent()).toEqual(before);
      if (name === 'not allowed') expect(hitsOf('/annual-report.pdf')).toBe(hostHits);
      const row = await gw.waitForRow(err.headers.get('x-request-id'));
      expect([row.status, row.errorType]).toEqual([400, code]);
      // The log row keeps why the guard refused (the address), which the client is not told.
      if (name === 'not allowed') expect(row.error).toContain('resolves to a loopback address');
    });
  }
});

describe('@ai-sdk/anthropic (a PDF by URL goes as a url document)', () => {
  const anthropic = () => createAnthropic({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey });
  const pdfPrompt = (url: string) => [
    {
      role: 'user' as const,
      content: [
        { type: 'file' as const, data: new URL(url), mediaType: 'application/pdf', filename: 'annual-report.pdf' },
        { type: 'text' as const, text: 'Summarise the report.' },
      ],
    },
  ];

  test('Gemini: the PDF as inline data with its MIME type', async () => {
    const r = await generateText({ model: anthropic()('gemini/gemini-2.5-flash'), messages: pdfPrompt(docUrl('/annual-report.pdf')), maxRetries: 0 });
    expect(r.text).not.toBe('');
    expect(gemini.last().body.contents[0].parts).toEqual([{ inlineData: { mimeType: 'application/pdf', data: PDF_BASE64 } }, { text: 'Summarise the report.' }]);
    const row = await gw.waitForRow(r.response.headers?.['x-request-id'] ?? 'none');
    expect([row.status, row.provider]).toEqual([200, 'gemini']);
  });

  test('OpenAI, streamed: a file part named as the SDK named the file', async () => {
    const r = streamText({ model: anthropic()('openai/gpt-4o-mini'), messages: pdfPrompt(docUrl('/annual-report.pdf')), maxRetries: 0 });
    expect(await r.text).not.toBe('');
    expect(openai.last().body.messages[0].content[0]).toEqual({ type: 'file', file: { filename: 'annual-report.pdf', file_data: `data:application/pdf;base64,${PDF_BASE64}` } });
    const row = await gw.waitForRow((await r.response).headers?.['x-request-id'] ?? 'none');
    expect(row.status).toBe(200);
  });

  test('a refused URL: the SDK gets the 400 naming the block, nothing sent upstream', async () => {
    const before = sent();
    let failure: any;
    await generateText({ model: anthropic()('gemini/gemini-2.5-flash'), messages: pdfPrompt(docUrl('/gone.pdf')), maxRetries: 0 }).catch((e) => (failure = e));
    expect(failure?.statusCode).toBe(400);
    expect(JSON.parse(failure.responseBody).error.message).toBe('messages.0.content.0.source.url: Document URL returned HTTP 404.');
    expect(sent()).toEqual(before);
    const row = await gw.waitForRow(failure.responseHeaders['x-request-id']);
    expect([row.status, row.errorType]).toEqual([400, 'invalid_document_url']);
  });
});

describe("a PDF's context: a header text part before the file, as a text document's header lines", () => {
  test('OpenAI, by URL: File and Context lines, then the file part named by the title', async () => {
    const doc = urlDocument(docUrl('/annual-report.pdf'), { title: 'Annual report 2024', context: 'Fiscal year 2024, audited.' });
    const { response } = await anthropicClient(gw).messages.create(ask('openai/gpt-4o-mini', doc)).withResponse();
    expect(openai.last().body.messages[0].content).toEqual([
      { type: 'text', text: 'File: Annual report 2024\nContext: Fiscal year 2024, audited.' },
      { type: 'file', file: { filename: 'Annual report 2024', file_data: `data:application/pdf;base64,${PDF_BASE64}` } },
      { type: 'text', text: 'Summarise the report.' },
    ]);
    expect((await gw.waitForRow(response.headers.get('x-request-id')!)).status).toBe(200);
  });

  test('Gemini, base64 without a title: the Context line, then the inline PDF', async () => {
    const doc = { type: 'document' as const, source: { type: 'base64' as const, media_type: 'application/pdf' as const, data: PDF_BASE64 }, context: 'Draft, not for circulation.' };
    const { response } = await anthropicClient(gw)
      .messages.create({ model: 'gemini/gemini-2.5-flash', max_tokens: 100, messages: [{ role: 'user', content: [doc, { type: 'text', text: 'Summarise.' }] }] })
      .withResponse();
    expect(gemini.last().body.contents[0].parts).toEqual([
      { text: 'Context: Draft, not for circulation.' },
      { inlineData: { mimeType: 'application/pdf', data: PDF_BASE64 } },
      { text: 'Summarise.' },
    ]);
    expect((await gw.waitForRow(response.headers.get('x-request-id')!)).status).toBe(200);
  });
});

describe('count_tokens, translated target: a PDF by URL downloaded under the guard and counted by its pages', () => {
  const count = (url: string) =>
    anthropicClient(gw).messages.countTokens({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: [urlDocument(url), { type: 'text', text: 'Sum up.' }] }] });

  test('counted as the same PDF inline is (3,000 tokens a page), not 0', async () => {
    const before = [hitsOf('/annual-report.pdf'), ...sent()];
    const { data, response } = await count(docUrl('/annual-report.pdf')).withResponse();
    const inline = await anthropicClient(gw).messages.countTokens({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF_BASE64 } }, { type: 'text', text: 'Sum up.' }] }],
    });
    expect(data.input_tokens).toBeGreaterThanOrEqual(2 * 3_000);
    expect(data.input_tokens).toBe(inline.input_tokens);
    // Downloaded once; nothing sent to a model.
    expect([hitsOf('/annual-report.pdf'), ...sent()]).toEqual([before[0]! + 1, ...before.slice(1)]);
    const row = await gw.waitForRow(response.headers.get('x-request-id')!);
    expect([row.status, row.endpoint]).toEqual([200, 'count_tokens']);
  });

  test('a URL the guard refuses: the 400 /v1/messages gives, one row', async () => {
    const err: any = await count(docUrl('/page.html')).catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error.error).toEqual({
      type: 'invalid_request_error',
      message: "messages.0.content.0.source.url: Document URL returned content type 'text/html', not a PDF.",
      details: { error_code: 'invalid_document_url' },
    });
    const row = await gw.waitForRow(err.headers.get('x-request-id'));
    expect([row.status, row.endpoint, row.errorType]).toEqual([400, 'count_tokens', 'invalid_document_url']);
  });

  test('a page served as application/pdf is refused, not counted as a few tokens of text', async () => {
    const err: any = await count(docUrl('/sign-in.pdf')).catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error.error.message).toBe("messages.0.content.0.source.url: Document URL returned content that is not a PDF (it was sent as 'application/pdf').");
    const row = await gw.waitForRow(err.headers.get('x-request-id'));
    expect([row.status, row.endpoint, row.errorType]).toEqual([400, 'count_tokens', 'invalid_document_url']);
  });
});
