/**
 * A loopback host serving PDFs for the document-by-URL tests (a gateway under test allows
 * 127.0.0.1 with LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS): `/annual-report.pdf` (the PDF given),
 * `/moved.pdf` (a redirect to it), `/page.html` (not a PDF), `/sign-in.pdf` (an HTML sign-in page
 * served as application/pdf, as a file host behind a login answers), `/huge.pdf` (21 MiB with no
 * Content-Length, past the 20 MiB cap), any other path a 404. It counts the requests by path, so a
 * refusal can be proven by its path never being asked for.
 */
export interface PdfHost {
  url(path: string, host?: string): string;
  hitsOf(path: string): number;
  stop(): void;
}

export function startPdfHost(pdf: Uint8Array): PdfHost {
  const hits = new Map<string, number>();
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname;
      hits.set(path, (hits.get(path) ?? 0) + 1);
      switch (path) {
        case '/annual-report.pdf':
          return new Response(new Uint8Array(pdf), { headers: { 'content-type': 'application/pdf' } });
        case '/moved.pdf':
          return Response.redirect('/annual-report.pdf', 302);
        case '/sign-in.pdf':
          return new Response('<html><body>Please sign in</body></html>', { headers: { 'content-type': 'application/pdf' } });
        case '/page.html':
          return new Response('<html></html>', { headers: { 'content-type': 'text/html; charset=utf-8' } });
        case '/huge.pdf': {
          // Cut by the gateway as it streams: the cap is checked on the bytes, not a header.
          let sent = 0;
          const body = new ReadableStream<Uint8Array>({
            pull(c) {
              if (sent++ >= 21) return c.close();
              c.enqueue(new Uint8Array(1 << 20));
            },
          });
          return new Response(body, { headers: { 'content-type': 'application/pdf' } });
        }
        default:
          return new Response('not found', { status: 404 });
      }
    },
  });
  return {
    url: (path, host = '127.0.0.1') => `http://${host}:${server.port}${path}`,
    hitsOf: (path) => hits.get(path) ?? 0,
    stop: () => server.stop(true),
  };
}
