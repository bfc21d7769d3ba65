/** Small real PDFs for the file-input estimates: `pages` pages of text, page objects plain or inside a compressed object stream (PDF 1.5+). */
import { deflateSync } from 'node:zlib';

export function makePdf(pages: number, opts: { objectStream?: boolean } = {}): Buffer {
  const kids = Array.from({ length: pages }, (_, i) => `${4 + i} 0 R`).join(' ');
  const pageObjs = Array.from({ length: pages }, (_, i) => `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R >>`);
  const head = ['%PDF-1.7', '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj', `2 0 obj << /Type /Pages /Kids [${kids}] /Count ${pages} >> endobj`];
  const content = 'BT /F1 12 Tf 72 720 Td (Hello) Tj ET';
  head.push(`3 0 obj << /Length ${content.length} >> stream\n${content}\nendstream endobj`);
  if (!opts.objectStream) {
    pageObjs.forEach((p, i) => head.push(`${4 + i} 0 obj ${p} endobj`));
    return Buffer.from(`${head.join('\n')}\ntrailer << /Root 1 0 R >>\n%%EOF\n`, 'latin1');
  }
  const offsets: string[] = [];
  let body = '';
  pageObjs.forEach((p, i) => {
    offsets.push(`${4 + i} ${body.length}`);
    body += `${p}\n`;
  });
  const packed = `${offsets.join(' ')}\n${body}`;
  const first = packed.indexOf('\n') + 1;
  const compressed = deflateSync(Buffer.from(packed, 'latin1'));
  const objStm = Buffer.concat([
    Buffer.from(`${4 + pages} 0 obj << /Type /ObjStm /N ${pages} /First ${first} /Filter /FlateDecode /Length ${compressed.length} >> stream\n`, 'latin1'),
    compressed,
    Buffer.from('\nendstream endobj\n', 'latin1'),
  ]);
  return Buffer.concat([Buffer.from(`${head.join('\n')}\n`, 'latin1'), objStm, Buffer.from('trailer << /Root 1 0 R >>\n%%EOF\n', 'latin1')]);
}

/** The PDF as OpenAI's chat `file_data` / Responses `input_file.file_data` takes it. */
export const pdfDataUri = (pdf: Buffer) => `data:application/pdf;base64,${pdf.toString('base64')}`;
