import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Server } from 'bun';
import { ApiError } from '../../src/errors/api-error';
import { createUrlFetcher } from '../../src/providers/shared/fetch-url';

// Real fetches, loopback only: an allowed fake on 127.0.0.1 and a "forbidden" fake on
// 127.0.0.2 that counts hits, so a refusal is proven by the target never being reached.
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
let allowed: Server<unknown>;
let forbidden: Server<unknown>;
let forbiddenHits = 0;

beforeAll(() => {
  forbidden = Bun.serve({
    hostname: '127.0.0.2',
    port: 0,
    fetch() {
      forbiddenHits++;
      return new Response(PNG, { headers: { 'content-type': 'image/png' } });
    },
  });
  allowed = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname;
      switch (path) {
        case '/cat.png':
          return new Response(PNG, { headers: { 'content-type': 'image/png; charset=binary' } });
        case '/hop1':
          return Response.redirect('/hop2', 302);
        case '/hop2':
          return new Response(null, { status: 307, headers: { location: `http://127.0.0.1:${allowed.port}/cat.png` } });
        case '/to-forbidden':
          return Response.redirect(`http://127.0.0.2:${forbidden.port}/cat.png`, 302);
        case '/to-localhost':
          return Response.redirect(`http://localhost:${allowed.port}/cat.png`, 301);
        case '/to-metadata':
          return Response.redirect('http://169.254.169.254/latest/meta-data/', 302);
        case '/to-file':
          return Response.redirect('file:///etc/passwd', 302);
        case '/loop':
          return Response.redirect('/loop', 302);
        case '/doc.pdf':
          return new Response('%PDF-1.7 ...', { headers: { 'content-type': 'Application/PDF' } });
        case '/html':
          return new Response('<html></html>', { headers: { 'content-type': 'text/html' } });
        case '/missing':
          return new Response('nope', { status: 404 });
        case '/big-declared':
          return new Response(new Uint8Array(5000), { headers: { 'content-type': 'image/png' } });
        case '/big-streamed': {
          // No content-length: the cap must hold while the body streams.
          let sent = 0;
          const body = new ReadableStream<Uint8Array>({
            pull(c) {
              if (sent >= 64) return c.close();
              sent++;
              c.enqueue(new Uint8Array(1000));
            },
          });
          return new Response(body, { headers: { 'content-type': 'image/png' } });
        }
        case '/slow-body': {
          const body = new ReadableStream<Uint8Array>({
            start(c) {
              c.enqueue(new Uint8Array(10)); // then never another byte
            },
          });
          return new Response(body, { headers: { 'content-type': 'image/png' } });
        }
        case '/slow-headers':
          return new Promise<Response>(() => {}); // never answers
        default:
          return new Response('?', { status: 500 });
      }
    },
  });
});

afterAll(() => {
  allowed.stop(true);
  forbidden.stop(true);
});

const base = () => `http://127.0.0.1:${allowed.port}`;
const fetcher = (extra: Partial<Parameters<typeof createUrlFetcher>[0]> = {}) =>
  createUrlFetcher({ allowHosts: ['127.0.0.1'], timeoutMs: 2000, ...extra });

async function refusal(p: Promise<unknown>): Promise<ApiError & { logMessage?: string }> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(400);
    expect(e.param).toBe('image_url');
    return e;
  }
  throw new Error('expected the fetch to be refused');
}

describe('createUrlFetcher', () => {
  test('downloads an image from an allow-listed loopback host', async () => {
    const img = await fetcher()(`${base()}/cat.png`);
    expect(img.mimeType).toBe('image/png');
    expect(img.base64).toBe(Buffer.from(PNG).toString('base64'));
  });

  test('follows redirects that stay on allowed hosts', async () => {
    const img = await fetcher()(`${base()}/hop1`);
    expect(img.base64).toBe(Buffer.from(PNG).toString('base64'));
  });

  test('refuses loopback hosts that are not allow-listed, without reaching them', async () => {
    const f = fetcher();
    const before = forbiddenHits;
    for (const url of [
      `http://127.0.0.2:${forbidden.port}/cat.png`,
      `http://localhost:${allowed.port}/cat.png`,
      `http://[::1]:${allowed.port}/cat.png`,
    ]) {
      const err = await refusal(f(url));
      expect(err.logMessage).toContain('loopback');
    }
    expect(forbiddenHits).toBe(before);
  });

  test('with the default (empty) allow list, every loopback spelling is refused', async () => {
    const f = createUrlFetcher({ allowHosts: [] });
    for (const url of [
      `http://127.0.0.1:${allowed.port}/cat.png`,
      `http://2130706433:${allowed.port}/cat.png`,
      `http://0x7f000001:${allowed.port}/cat.png`,
      `http://127.1:${allowed.port}/cat.png`,
      `http://[::ffff:127.0.0.1]:${allowed.port}/cat.png`,
    ]) {
      expect((await refusal(f(url))).logMessage).toContain('loopback');
    }
  });

  test('checks every redirect hop', async () => {
    const f = fetcher();
    const before = forbiddenHits;
    expect((await refusal(f(`${base()}/to-forbidden`))).logMessage).toContain('loopback');
    expect((await refusal(f(`${base()}/to-localhost`))).logMessage).toContain('loopback');
    expect((await refusal(f(`${base()}/to-metadata`))).logMessage).toContain('link-local');
    expect((await refusal(f(`${base()}/to-file`))).logMessage).toContain('scheme');
    expect(forbiddenHits).toBe(before);
  });

  test('stops after three redirects', async () => {
    expect((await refusal(fetcher()(`${base()}/loop`))).message).toContain('more than 3');
  });

  test('refuses non-image content and upstream errors', async () => {
    expect((await refusal(fetcher()(`${base()}/html`))).message).toContain('text/html');
    expect((await refusal(fetcher()(`${base()}/missing`))).message).toContain('404');
  });

  test('enforces the size cap from content-length and while streaming', async () => {
    const f = fetcher({ maxBytes: 4096 });
    expect((await refusal(f(`${base()}/big-declared`))).code).toBe('image_too_large');
    expect((await refusal(f(`${base()}/big-streamed`))).code).toBe('image_too_large');
    // The same image fits under a larger cap.
    const ok = await fetcher({ maxBytes: 100_000 })(`${base()}/big-streamed`);
    expect(Buffer.from(ok.base64, 'base64').byteLength).toBe(64_000);
  });

  test('gives up on slow headers and slow bodies', async () => {
    const f = fetcher({ timeoutMs: 300 });
    expect((await refusal(f(`${base()}/slow-headers`))).message).toContain('did not answer');
    expect((await refusal(f(`${base()}/slow-body`))).message).toContain('did not answer');
  });

  test('a caller abort is passed through as an abort, not a 400', async () => {
    const ctl = new AbortController();
    const p = fetcher({ timeoutMs: 5000 })(`${base()}/slow-headers`, ctl.signal);
    ctl.abort();
    await expect(p).rejects.not.toBeInstanceOf(ApiError);
  });
});

describe("createUrlFetcher, kind 'document' (an Anthropic document by URL)", () => {
  const docs = (extra: Partial<Parameters<typeof createUrlFetcher>[0]> = {}) => fetcher({ kind: 'document', ...extra });
  const documentRefusal = async (p: Promise<unknown>) => {
    const err = (await p.then(() => null, (e) => e)) as ApiError & { logMessage?: string };
    expect(err).toBeInstanceOf(ApiError);
    expect([err.status, err.param]).toEqual([400, 'document_url']);
    return err;
  };

  test('downloads a PDF (its content type read in any case)', async () => {
    expect(await docs()(`${base()}/doc.pdf`)).toEqual({ mimeType: 'application/pdf', base64: Buffer.from('%PDF-1.7 ...').toString('base64') });
  });

  test("the image guard's refusals, in a document's words and codes", async () => {
    const image = await documentRefusal(docs()(`${base()}/cat.png`));
    expect([image.code, image.message]).toEqual(['invalid_document_url', "Document URL returned content type 'image/png', not a PDF."]);
    const before = forbiddenHits;
    const blocked = await documentRefusal(docs()(`http://127.0.0.2:${forbidden.port}/doc.pdf`));
    expect([blocked.code, blocked.message.startsWith('Document URL refused:')]).toEqual(['invalid_document_url', true]);
    expect(blocked.logMessage).toContain('loopback');
    expect(forbiddenHits).toBe(before);
    expect((await documentRefusal(docs()(`${base()}/to-metadata`))).code).toBe('invalid_document_url');
    expect((await documentRefusal(docs()(`${base()}/missing`))).message).toBe('Document URL returned HTTP 404.');
    expect((await documentRefusal(docs({ maxBytes: 4 })(`${base()}/doc.pdf`))).code).toBe('document_too_large');
  });
});
