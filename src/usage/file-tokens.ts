import { inflateSync } from 'node:zlib';

/**
 * Tokens an inline PDF may bill as prompt. Providers read a PDF page by page: its text (Anthropic:
 * 1,500 to 3,000 tokens a page) and, at OpenAI and Anthropic, an image of the page too (up to
 * ~1,600 tokens; Gemini bills 258 a page in all). The estimates (a count when the upstream gave
 * none, count_tokens for a translated target) take a typical page; a budget's worst case the
 * dearest (limits/worst-case.ts).
 */
export const PDF_PAGE_TOKENS = 3_000;
/** A page's ceiling: a dense page's text (~3,000) plus its image (~1,600), rounded up. */
export const PDF_PAGE_MAX_TOKENS = 5_000;
/** A PDF whose pages cannot be counted is taken as a page per this many bytes (a compressed text page is 2-4 KB). */
const BYTES_PER_UNCOUNTED_PAGE = 2_000;

/**
 * The most a PDF's object streams are inflated to, in all: a real one's are kilobytes, and a
 * hostile one (a few KB of deflate that inflates to gigabytes) must not exhaust memory or hold the
 * event loop. Past it the pages found so far stand (none: the PDF's size estimates them).
 */
const MAX_INFLATED_BYTES = 8 * 1024 * 1024;

const PAGE = /\/Type\s*\/Page(?![A-Za-z])/g;
const OBJECT_STREAM = /\/Type\s*\/ObjStm\b/g;

/**
 * The pages of a PDF: its `/Type /Page` objects, read in the file and, when none is there, in its
 * compressed object streams (PDF 1.5+ may keep every page object inside one). An incremental
 * update may list a page twice, which counts it twice (never fewer). Null when none is found
 * (not a PDF, encrypted, damaged).
 */
export function pdfPageCount(bytes: Uint8Array): number | null {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  let pages = text.match(PAGE)?.length ?? 0;
  if (pages === 0) {
    let budget = MAX_INFLATED_BYTES;
    for (const m of text.matchAll(OBJECT_STREAM)) {
      const start = text.indexOf('stream', m.index);
      const end = text.indexOf('endstream', start);
      if (start < 0 || end < 0) continue;
      const from = start + (text[start + 6] === '\r' ? 8 : 7);
      let inflated: Buffer;
      try {
        inflated = inflateSync(bytes.subarray(from, end), { maxOutputLength: budget });
      } catch (err) {
        if (err instanceof RangeError) break; // past the budget: a bomb, or more than any real PDF holds
        continue; // not Flate, or cut short: its pages stay uncounted
      }
      budget -= inflated.length;
      pages += inflated.toString('latin1').match(PAGE)?.length ?? 0;
      if (budget <= 0) break;
    }
  }
  return pages || null;
}

/** Whether the bytes open as a PDF: `%PDF-` at the start (a file may carry junk before it; the header must be in the first 1 KB). */
export function hasPdfHeader(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 1024)).toString('latin1').includes('%PDF-');
}

/** The payload of a base64 data URI (`data:application/pdf;base64,...`) or of bare base64, and its media type when named. */
function base64Payload(data: string): { mime: string | null; base64: string } {
  const m = /^data:([^;,]*)(?:;[^,]*)?,/i.exec(data);
  return m ? { mime: m[1]!.toLowerCase() || null, base64: data.slice(m[0].length) } : { mime: null, base64: data };
}

/**
 * Prompt tokens an inline file (a data URI, or base64 with its media type) may bill at `perPage`
 * tokens a PDF page (a PDF whose pages cannot be counted: a page per BYTES_PER_UNCOUNTED_PAGE);
 * null when it is not a PDF, so its size stands for it. A file named as another type is not decoded.
 */
export function inlinePdfTokens(data: string, perPage: number, mediaType?: string): number | null {
  const { mime, base64 } = base64Payload(data);
  const type = mediaType?.toLowerCase() ?? mime;
  if (type !== null && type !== 'application/pdf') return null;
  const bytes = Buffer.from(base64, 'base64');
  if (!hasPdfHeader(bytes)) return null;
  const pages = pdfPageCount(bytes) ?? Math.ceil(bytes.length / BYTES_PER_UNCOUNTED_PAGE);
  return pages * perPage;
}
