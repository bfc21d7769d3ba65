/**
 * The words of an HTML error page an upstream's front end answers with instead of its API's JSON
 * (Google's "Error 502 (Server Error)!!1 … That’s an error. The server encountered a temporary
 * error …", a proxy's 502 page), or null when the text is not such a page. Pure. Quoted as it came,
 * the page's markup and style sheet filled the 1,000 characters of the error the client is told,
 * and Google's words came after them, cut off.
 */
export function htmlErrorText(text: string): string | null {
  if (!/^\s*<(!doctype\s+html|html)\b/i.test(text)) return null;
  const words = text
    // What a page holds that is not its words (to its end, when the body was cut inside it).
    .replace(/<(style|script)\b[^>]*>[\s\S]*?(<\/\1\s*>|$)/gi, ' ')
    .replace(/<!--[\s\S]*?(-->|$)/g, ' ')
    .replace(/<[^>]*>?/g, ' ')
    .replace(/&(#\d+|#x[0-9a-f]+|amp|lt|gt|quot|apos|nbsp);/gi, (_, e: string) => entity(e.toLowerCase()))
    .replace(/\s+/g, ' ')
    .trim();
  return words || null;
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function entity(e: string): string {
  if (e[0] !== '#') return NAMED[e] ?? '';
  const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1));
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
}
