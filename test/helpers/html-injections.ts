/**
 * What hostile text could have smuggled into dashboard markup, read as a browser parses it (Bun's
 * HTMLRewriter, lol-html): a <script> or <img> that is not one of the page's own /assets/ files,
 * or any on* handler attribute. (Inside a quoted attribute `<` is harmless, so a string search
 * would be the wrong test.)
 */
export async function injected(html: string): Promise<string[]> {
  const found: string[] = [];
  const rw = new HTMLRewriter().on('*', {
    element(el) {
      // The page's own tags are same-origin assets; anything else is an injection.
      const src = el.getAttribute('src') ?? '';
      if ((el.tagName === 'script' || el.tagName === 'img') && !src.startsWith('/assets/')) found.push(`<${el.tagName}>`);
      for (const [name] of el.attributes) if (name.startsWith('on')) found.push(`${el.tagName}[${name}]`);
    },
  });
  await rw.transform(new Response(html)).text();
  return found;
}
