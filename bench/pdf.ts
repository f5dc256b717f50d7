// Invoice PDFs rendered in process: a 20-line invoice beside a 1-line one (the baseline, measured in the same run:
// the fixed cost of a document, fonts, logo and layout) and bare pdfkit writing the same 20 lines in its built-in
// Helvetica (what the embedded font, the layout and the branding cost). Renders are interleaved so drift hits all.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { crc32, deflateSync } from 'node:zlib';
import PDFDocument from 'pdfkit';
import { renderDocumentPdf, type DocLine, type PdfDocument, type Seller } from '../portal/api/documents/pdf.ts';
import { percentile } from './measure.ts';

const RENDERS = 300;
const WARM_UP = 30;

/** A 600 x 150 RGB PNG logo, drawn here so the bench needs no file. */
function logo(): Buffer {
  const [w, h] = [600, 150];
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set(x < h ? [15, 76, 92] : [255, 255, 255], y * (w * 3 + 1) + 1 + x * 3);
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const frame = Buffer.alloc(body.length + 8);
    frame.writeUInt32BE(data.length, 0);
    body.copy(frame, 4);
    frame.writeUInt32BE(crc32(body), body.length + 4);
    return frame;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function invoice(lines: number): PdfDocument {
  const docLines: DocLine[] = Array.from({ length: lines }, (_, i) => ({
    description: i % 5 === 4 ? `Treatment ${i + 1}: hot stone massage with aromatherapy oils, 90 minutes, room ${i % 3}` : `Treatment ${i + 1}`,
    quantity: 1 + (i % 3),
    unitAmount: 1250 + i * 10,
    taxRate: { name: 'VAT', percent: i % 4 ? 20 : 5 },
    net: 0,
    tax: 0,
    gross: 0,
  }));
  const subtotal = docLines.reduce((sum, l) => sum + l.quantity * l.unitAmount, 0);
  return {
    id: 'doc_bench',
    kind: 'invoice',
    number: 'HDS-2026-000123',
    issuedAt: '2026-03-03T15:30:00Z',
    timeZone: 'Europe/London',
    currency: 'GBP',
    taxInclusive: false,
    customer: { id: 'cus_1', name: 'Zoë Łukasiewicz', email: 'zoe@example.com' },
    lines: docLines,
    taxBreakdown: [
      { name: 'VAT', percent: 20, net: Math.round(subtotal * 0.7), tax: Math.round(subtotal * 0.14) },
      { name: 'VAT', percent: 5, net: Math.round(subtotal * 0.3), tax: Math.round(subtotal * 0.015) },
    ],
    subtotal,
    discount: 500,
    tax: Math.round(subtotal * 0.155),
    tip: 300,
    total: subtotal - 500 + Math.round(subtotal * 0.155) + 300,
    payment: { method: 'card', brand: 'visa', last4: '4242', paidAt: '2026-03-03T15:31:00Z' },
  };
}

/** Bare pdfkit: the same lines as plain rows of Helvetica, no branding, no font embedded. */
function bare(doc: PdfDocument): Promise<Buffer> {
  const pdf = new PDFDocument({ size: 'A4' });
  const chunks: Uint8Array[] = [];
  pdf.on('data', (c: Uint8Array) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => pdf.on('end', () => resolve(Buffer.concat(chunks))));
  pdf.fontSize(9.5).text(`Invoice ${doc.number}`);
  for (const l of doc.lines) pdf.text(`${l.description}  ${l.quantity}  ${l.unitAmount}  ${l.taxRate?.percent}%`);
  pdf.text(`Total ${doc.total}`);
  pdf.end();
  return done;
}

export async function benchPdf(): Promise<void> {
  const seller: Seller = {
    name: 'Harbour Day Spa',
    legalName: 'Harbour Day Spa Ltd',
    address: '12 Quay Street\nBristol BS1 4DJ',
    taxNumber: 'GB 123 4567 89',
    email: 'hello@harbourspa.example',
    primaryColor: '#0f4c5c',
    accentColor: '#e36414',
    logo: { data: logo(), type: 'png' },
  };
  const one = invoice(1);
  const twenty = invoice(20);
  const cases = [
    { name: '1-line invoice (baseline)', render: () => renderDocumentPdf(one, seller) },
    { name: '20-line invoice', render: () => renderDocumentPdf(twenty, seller) },
    { name: 'bare pdfkit, same 20 lines, Helvetica', render: () => bare(twenty) },
  ];
  for (let i = 0; i < WARM_UP; i++) for (const c of cases) await c.render();

  const results = cases.map(() => ({ ms: [] as number[], pages: 0, bytes: 0 }));
  // What the renders keep, as opposed to what V8 has not yet bothered to collect: the heap after full collections.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const { rss: rssBefore, heapUsed: heapBefore } = process.memoryUsage();
  let peakHeap = 0;
  for (let i = 0; i < RENDERS; i++) {
    for (const [k, c] of cases.entries()) {
      const t0 = performance.now();
      const pdf = await c.render();
      results[k]!.ms.push(performance.now() - t0);
      results[k]!.bytes = pdf.length;
      results[k]!.pages += Number(/\/Count (\d+)/.exec(pdf.toString('latin1'))?.[1] ?? 1);
    }
    if (i % 50 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  const rows = cases.map((c, k) => {
    const r = results[k]!;
    const sorted = [...r.ms].sort((a, b) => a - b);
    const total = r.ms.reduce((a, b) => a + b, 0) / 1000;
    return {
      document: c.name,
      renders: RENDERS,
      'p50 ms': percentile(sorted, 50).toFixed(1),
      'p99 ms': percentile(sorted, 99).toFixed(1),
      'pages/s': (r.pages / total).toFixed(0),
      'PDF size': `${(r.bytes / 1024).toFixed(1)} KB`,
    };
  });
  console.log(`Invoice PDF rendering, one at a time in process, ${RENDERS} renders each after ${WARM_UP} to warm up:`);
  console.table(rows);
  const ratio = Number(rows[1]!['p50 ms']) / Number(rows[0]!['p50 ms']);
  const rss = process.memoryUsage().rss;
  gc();
  console.log(
    `A 20-line invoice takes ${ratio.toFixed(1)}x the 1-line baseline at p50. Memory after ${RENDERS * cases.length} renders: rss ${mib(rss)} (${mib(rss - rssBefore)} more than before them), heap peak ${mib(peakHeap)} (sampled), heap after a full collection ${mib(process.memoryUsage().heapUsed)} (${mib(heapBefore)} before the renders).\n`,
  );
}
