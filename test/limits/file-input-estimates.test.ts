/**
 * Inline PDFs are read page by page (text and a page image), so they may bill far more than their
 * compressed size shows: a budget reserves their pages, count_tokens for a translated target and
 * the estimate of an answer without usage count them, on every provider.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { models } from '../../src/db/schema';
import { deflateSync } from 'node:zlib';
import { pdfPageCount, PDF_PAGE_TOKENS } from '../../src/usage/file-tokens';
import { fixtureJson, jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { makePdf, pdfDataUri } from '../helpers/make-pdf';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { limitedClient } from './limits-helpers';

setDefaultTimeout(30_000);

let withUsage = true;
const fake = startFakeUpstream(() => {
  const answer = fixtureJson('openai', 'chat.json');
  if (!withUsage) delete answer.usage;
  return jsonResponse(answer);
});
let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({
    env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' },
    limitsClock: () => Date.parse('2026-03-10T12:00:00Z'),
  });
  gw.ctx.db.insert(models).values({ id: 'pdf-model', provider: 'openai', upstreamId: 'gpt-4o-mini', inputPrice: 1, outputPrice: 1, contextWindow: 1_000_000, updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  fake.close();
});

/** 60 pages in a compressed object stream: about 1 KB, ~400 tokens by its size. */
const pdf = makePdf(60, { objectStream: true });
const pdfChat = (extra: Record<string, unknown> = {}) => ({
  model: 'pdf-model', max_tokens: 10,
  messages: [{ role: 'user' as const, content: [{ type: 'file' as const, file: { filename: 'report.pdf', file_data: pdfDataUri(pdf) } }, { type: 'text' as const, text: 'Sum up.' }] }],
  ...extra,
});

test('a budget that fits the PDF by its size but not by its pages refuses it; the same text without the PDF passes', async () => {
  // $1 per 1M tokens: 60 pages are ~$0.3 at the worst page; the budget is $0.01.
  const c = await limitedClient(gw, 'pdf-budget', { budgetUsd: 0.01, budgetPeriod: 'day' });
  const openai = gw.openai(c.key);
  const err = await apiError(openai.chat.completions.create(pdfChat() as any));
  expect([err.status, err.code]).toEqual([429, 'budget_exceeded']);
  await openai.chat.completions.create({ model: 'pdf-model', max_tokens: 10, messages: [{ role: 'user', content: 'Sum up.' }] });
});

test('a TPM limit counts the PDF by its pages', async () => {
  const c = await limitedClient(gw, 'pdf-tpm', { tpm: 100_000 });
  const err = await apiError(gw.openai(c.key).chat.completions.create(pdfChat() as any));
  expect([err.status, err.code]).toEqual([429, 'rate_limit_exceeded']);
});

test('an answer without usage is billed the PDF pages as prompt, not 0 tokens for the file', async () => {
  withUsage = false;
  try {
    const { response } = await gw.openai().chat.completions.create(pdfChat() as any).withResponse();
    const row = await gw.waitForRow(response);
    expect(row.estimated).toBe(true);
    expect(row.promptTokens).toBeGreaterThanOrEqual(60 * PDF_PAGE_TOKENS);
  } finally {
    withUsage = true;
  }
});

test('count_tokens for a translated target counts a base64 PDF document by its pages', async () => {
  const client = new Anthropic({ baseURL: gw.url, apiKey: gw.clientKey, maxRetries: 0 });
  const document = { type: 'document' as const, source: { type: 'base64' as const, media_type: 'application/pdf' as const, data: pdf.toString('base64') } };
  const { input_tokens } = await client.messages.countTokens({ model: 'mock/echo', messages: [{ role: 'user', content: [document, { type: 'text', text: 'Sum up.' }] }] });
  expect(input_tokens).toBeGreaterThanOrEqual(60 * PDF_PAGE_TOKENS);
  const three = makePdf(3).toString('base64');
  const small = await client.messages.countTokens({ model: 'mock/echo', messages: [{ role: 'user', content: [{ ...document, source: { ...document.source, data: three } }] }] });
  expect(small.input_tokens).toBeGreaterThanOrEqual(3 * PDF_PAGE_TOKENS);
  expect(small.input_tokens).toBeLessThan(4 * PDF_PAGE_TOKENS);
});

/**
 * A PDF whose one object stream is a few KB of deflate that inflates to 64 MiB of zeros and then
 * page objects (a decompression bomb): read whole, its pages would be counted.
 */
function bombPdf(): Buffer {
  const bomb = deflateSync(Buffer.concat([Buffer.alloc(64 * 1024 * 1024), Buffer.from('<< /Type /Page >>\n'.repeat(3), 'latin1')]));
  return Buffer.concat([
    Buffer.from(`%PDF-1.7\n1 0 obj << /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length ${bomb.length} >> stream\n`, 'latin1'),
    bomb,
    Buffer.from('\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1'),
  ]);
}

test('a PDF whose object stream is a decompression bomb is not inflated past a bound: what lies beyond is uncounted, the request answered', async () => {
  const bomb = bombPdf();
  expect(pdfPageCount(bomb)).toBeNull();
  // Through a budgeted key (the reservation reads the PDF) and an answer without usage (the estimate does too).
  const c = await limitedClient(gw, 'pdf-bomb', { budgetUsd: 100, budgetPeriod: 'day' });
  withUsage = false;
  try {
    const body = { model: 'pdf-model', max_tokens: 10, messages: [{ role: 'user' as const, content: [{ type: 'file' as const, file: { filename: 'bomb.pdf', file_data: pdfDataUri(bomb) } }, { type: 'text' as const, text: 'Sum up.' }] }] };
    const { response } = await gw.openai(c.key).chat.completions.create(body as any).withResponse();
    expect(response.status).toBe(200);
    expect((await gw.waitForRow(response)).status).toBe(200);
  } finally {
    withUsage = true;
  }
  expect((await fetch(`${gw.url}/health`)).status).toBe(200);
});
