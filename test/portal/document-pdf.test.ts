// The invoice / credit note / receipt PDF, read back as a person's PDF reader would (poppler's pdftotext), and the
// logo fetcher's limits and cache. Page 1 of the invoice is saved under test-output/screenshots to look at.
import { execFileSync } from 'node:child_process';
import { pdfText } from '../support/pdf.ts';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { expect } from 'chai';
import { formatMoney } from '../../portal/api/documents/format.ts';
import { createLogoFetcher } from '../../portal/api/documents/logo.ts';
import { renderDocumentPdf, type DocLine, type PdfDocument, type Seller } from '../../portal/api/documents/pdf.ts';
import { SCREENSHOTS } from '../support/chromium.ts';

/** A width x height RGBA PNG: a disc and a bar on a transparent ground, like a simple logo. */
function png(width: number, height: number, rgb: [number, number, number]): Buffer {
  const row = width * 4 + 1;
  const raw = Buffer.alloc(row * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const disc = Math.hypot(x - height / 2, y - height / 2) < height / 2.2;
      const bar = x > height * 1.1 && y > height * 0.3 && y < height * 0.7;
      raw.set([...rgb, disc || bar ? 255 : 0], y * row + 1 + x * 4);
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const frame = Buffer.alloc(4 + body.length + 4);
    frame.writeUInt32BE(data.length, 0);
    body.copy(frame, 4);
    frame.writeUInt32BE(crc32(body), 4 + body.length);
    return frame;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const seller: Seller = {
  name: 'Harbour Day Spa',
  legalName: 'Harbour Day Spa Ltd',
  address: '12 Quay Street\nBristol BS1 4DJ\nUnited Kingdom',
  taxNumber: 'GB 123 4567 89',
  email: 'hello@harbourspa.example',
  phone: '+44 117 496 0000',
  website: 'harbourspa.example',
  primaryColor: '#0f4c5c',
  accentColor: '#e36414',
  logo: { data: png(400, 100, [227, 100, 20]), type: 'png' },
};
const vat = (percent: number) => ({ name: percent === 20 ? 'VAT' : 'VAT reduced', percent });
const line = (description: string, quantity: number, unitAmount: number, taxRate: DocLine['taxRate']): DocLine => ({
  description,
  quantity,
  unitAmount,
  taxRate,
  net: quantity * unitAmount,
  tax: 0,
  gross: quantity * unitAmount,
});
// 11.00 of lines less 10%: 7.20 at 20% (tax 1.44) and 2.70 at 5% (tax 0.14), 0.86 tip: 12.34 in all.
const invoice: PdfDocument = {
  id: 'doc_1',
  kind: 'invoice',
  number: 'HDS-2026-000123',
  issuedAt: '2026-03-03T23:30:00Z',
  timeZone: 'Europe/London',
  currency: 'GBP',
  taxInclusive: false,
  customer: { id: 'cus_1', name: 'Zoë Łukasiewicz', email: 'zoe@example.com' },
  lines: [line('Deep tissue massage, 60 minutes', 1, 800, vat(20)), line('Aromatherapy oil (50 ml) — lavender & bergamot', 2, 150, vat(5))],
  taxBreakdown: [
    { name: 'VAT', percent: 20, net: 720, tax: 144 },
    { name: 'VAT reduced', percent: 5, net: 270, tax: 14 },
  ],
  subtotal: 1100,
  discount: 110,
  tax: 158,
  tip: 86,
  total: 1234,
  payment: { method: 'card', brand: 'visa', last4: '4242', paidAt: '2026-03-03T23:31:00Z' },
  source: { kind: 'tab', id: 'tab_1' },
};

describe('Documents: the PDF of an invoice, credit note or receipt', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'portico-pdf-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const textOf = pdfText;
  /** Pictures embedded (pdfimages lists an alpha channel apart, as an smask: not counted). */
  const imagesIn = (pdf: Buffer) =>
    execFileSync('pdfimages', ['-list', '-'], { input: pdf, encoding: 'utf8' })
      .split('\n')
      .filter((l) => /^\s*\d+\s+\d+\s+image\b/.test(l)).length;
  const pagesOf = (pdf: Buffer) => Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', ['-'], { input: pdf, encoding: 'utf8' }))![1]);

  it('formats minor units with the currency’s own digits', () => {
    expect(formatMoney(1234, 'GBP')).to.equal('£12.34');
    expect(formatMoney(1234, 'JPY')).to.equal('¥1,234');
    expect(formatMoney(1234, 'BHD')).to.equal('BHD\u00a01.234');
    expect(formatMoney(5, 'BHD')).to.equal('BHD\u00a00.005');
    expect(formatMoney(-5, 'EUR')).to.equal('-€0.05');
    expect(formatMoney(123_456_789_012_345, 'USD')).to.equal('$1,234,567,890,123.45');
    expect(formatMoney(1234, 'EUR', 'de')).to.equal('12,34\u00a0€');
    expect(() => formatMoney(12.5, 'GBP')).to.throw(TypeError);
  });

  it('renders a GBP invoice with the seller’s details, two tax rates, discount, tip and a non-Latin-1 name', async () => {
    const pdf = await renderDocumentPdf(invoice, seller);
    expect(pdf.subarray(0, 5).toString()).to.equal('%PDF-');
    const text = textOf(pdf);
    for (const expected of [
      'Harbour Day Spa Ltd',
      'VAT/Tax no. GB 123 4567 89',
      '12 Quay Street',
      'hello@harbourspa.example',
      'Zoë Łukasiewicz',
      'zoe@example.com',
      'Visa •••• 4242, paid March 3, 2026',
      'Page 1 of 1',
    ]) {
      expect(text).to.contain(expected);
    }
    expect(text).to.match(/Invoice no\.\s+HDS-2026-000123/);
    expect(text).to.match(/Date\s+March 3, 2026/);
    expect(text).to.match(/Deep tissue massage, 60 minutes\s+1\s+£8\.00\s+20%\s+£8\.00/);
    expect(text).to.match(/VAT 20%\s+£7\.20\s+£1\.44/);
    expect(text).to.match(/VAT reduced 5%\s+£2\.70\s+£0\.14/);
    expect(text).to.match(/Subtotal\s+£11\.00/);
    expect(text).to.match(/Discount\s+−£1\.10/);
    expect(text).to.match(/Tax\s+£1\.58/);
    expect(text).to.match(/Tip\s+£0\.86/);
    expect(text).to.match(/Total\s+£12\.34/);
    expect(pagesOf(pdf)).to.equal(1);
    // The logo is embedded (one image); its alpha channel is a soft mask, not a second picture.
    expect(imagesIn(pdf)).to.equal(1);

    mkdirSync(SCREENSHOTS, { recursive: true });
    const file = join(dir, 'invoice.pdf');
    writeFileSync(file, pdf);
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', file, join(SCREENSHOTS, 'document-pdf-invoice')]);
  });

  it('renders a JPY invoice with no minor unit, dated in the document’s time zone', async () => {
    const yen: PdfDocument = {
      ...invoice,
      number: 'HDS-2026-000124',
      currency: 'JPY',
      timeZone: 'Asia/Tokyo',
      taxInclusive: true,
      lines: [line('Shiatsu, 60 minutes', 1, 1234, { name: '消費税', percent: 10 })],
      taxBreakdown: [{ name: 'Consumption tax', percent: 10, net: 1122, tax: 112 }],
      subtotal: 1234,
      discount: 0,
      tax: 112,
      tip: 0,
      total: 1234,
      payment: { method: 'cash', paidAt: '2026-03-03T23:31:00Z' },
    };
    const text = textOf(await renderDocumentPdf(yen, { ...seller, logo: undefined }));
    expect(text).to.match(/Date\s+March 4, 2026/);
    expect(text).to.match(/Total\s+¥1,234/);
    expect(text).to.match(/Includes tax\s+¥112/);
    expect(text).to.match(/Consumption tax 10%\s+¥1,122\s+¥112/);
    expect(text).to.contain('Cash, paid March 4, 2026');
    expect(text).not.to.match(/Tip|Discount/);
  });

  it('renders a BHD receipt with three decimals, pointing at its invoice', async () => {
    const receipt: PdfDocument = {
      ...invoice,
      kind: 'receipt',
      number: 'R-2026-000123',
      currency: 'BHD',
      relatesTo: { id: 'doc_1', number: 'HDS-2026-000123' },
      lines: [line('Hammam', 1, 1234, null)],
      taxBreakdown: [],
      subtotal: 1234,
      discount: 0,
      tax: 0,
      tip: 0,
      total: 1234,
      payment: { method: 'card', brand: 'mastercard', last4: '4444', paidAt: '2026-03-03T12:00:00Z' },
    };
    const text = textOf(await renderDocumentPdf(receipt, seller));
    expect(text).to.match(/Receipt no\.\s+R-2026-000123/);
    expect(text).to.match(/For invoice\s+HDS-2026-000123/);
    expect(text).to.match(/Hammam\s+1\s+BHD 1\.234\s+—\s+BHD 1\.234/);
    expect(text).to.match(/Total paid\s+BHD 1\.234/);
    expect(text).to.contain('Mastercard •••• 4444');
  });

  it('paginates a 60-line credit note: the table header on every page, every line once, Page n of m', async () => {
    const note: PdfDocument = {
      ...invoice,
      kind: 'credit_note',
      number: 'CN-2026-000004',
      relatesTo: { id: 'doc_1', number: 'HDS-2026-000123' },
      reason: 'Treatment cut short by a fire alarm',
      payment: undefined,
      lines: Array.from({ length: 60 }, (_, i) =>
        line(
          i % 7 === 3 ? `Item ${i + 1}: a longer description that wraps onto a second line, as real ones do now and then` : `Item ${i + 1}`,
          1,
          100 * (i + 1),
          vat(20),
        ),
      ),
    };
    const pdf = await renderDocumentPdf(note, seller);
    const pages = pagesOf(pdf);
    expect(pages).to.be.within(2, 4);
    const text = textOf(pdf);
    expect(text).to.match(/Credit note no\.\s+CN-2026-000004/);
    expect(text).to.match(/Credits invoice\s+HDS-2026-000123/);
    expect(text).to.contain('Reason: Treatment cut short by a fire alarm');
    expect(text).to.contain('CREDITED TO');
    expect(text).to.match(/Total credited\s+£12\.34/);
    expect(text).not.to.contain('PAYMENT');
    for (let i = 1; i <= 60; i++) expect(text.match(new RegExp(`Item ${i}\\b`, 'g')), `Item ${i}`).to.have.length(1);
    for (let page = 1; page <= pages; page++) {
      const pageText = textOf(pdf, page);
      expect(pageText).to.match(/Description\s+Qty\s+Unit price\s+Tax\s+Amount/);
      expect(pageText).to.contain(`Page ${page} of ${pages}`);
      expect(pageText).to.contain('Harbour Day Spa Ltd · Credit note CN-2026-000004');
    }
    expect(text).to.contain('Page 2 of');
    expect(textOf(pdf, pages)).to.match(/Item 60\b[\s\S]*Total credited/); // the last line goes with the totals
  });

  it('leaves out a logo that does not decode and keeps unreadable brand colours off the page', async () => {
    const broken = {
      ...seller,
      primaryColor: '#fff',
      accentColor: 'teal-ish',
      logo: { data: Buffer.from('89504e470d0a1a0a0000', 'hex'), type: 'png' as const },
    };
    const pdf = await renderDocumentPdf(invoice, broken);
    expect(textOf(pdf)).to.match(/Total\s+£12\.34/);
    expect(imagesIn(pdf)).to.equal(0);
  });
});

describe('Documents: the logo fetcher', () => {
  let server: Server;
  let base: string;
  const hits = new Map<string, number>();
  const logo = png(40, 20, [15, 76, 92]);
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(100)]);
  before(async () => {
    server = createServer((req, res) => {
      hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
      const path = req.url!.replace(/\?.*/, '');
      if (path === '/logo.png' || path === '/flaky.png') res.end(logo);
      else if (path === '/logo.jpg') res.end(jpeg);
      else if (path === '/logo.gif') res.end(Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'));
      else if (path === '/big.png') res.end(Buffer.concat([logo, Buffer.alloc(600 * 1024)]));
      else if (path === '/big-chunked.png') {
        res.write(logo); // no content-length: the limit is counted as the body arrives
        const timer = setInterval(() => res.write(Buffer.alloc(64 * 1024)), 5);
        res.on('close', () => clearInterval(timer));
      } else if (path === '/slow.png') setTimeout(() => res.end(logo), 2_000);
      else if (path === '/moved.png') res.writeHead(302, { location: '/logo.png' }).end();
      else if (path === '/to-plain-http.png') res.writeHead(302, { location: 'http://example.com/logo.png' }).end();
      else res.writeHead(404).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  const failures: string[] = [];
  const fetcher = (o: Parameters<typeof createLogoFetcher>[0] = {}) =>
    createLogoFetcher({ onFailure: (url, reason) => failures.push(`${url}: ${reason}`), ...o });

  it('fetches a PNG or a JPEG once and reuses it; concurrent calls share one download', async () => {
    const f = fetcher();
    const [a, b] = await Promise.all([f.logo(`${base}/logo.png?a`), f.logo(`${base}/logo.png?a`)]);
    expect(a).to.deep.equal({ data: logo, type: 'png' });
    expect(b).to.equal(a);
    expect(await f.logo(`${base}/logo.png?a`)).to.equal(a);
    expect(hits.get('/logo.png?a')).to.equal(1);
    expect((await f.logo(`${base}/logo.jpg`))?.type).to.equal('jpeg');
    expect((await f.logo(`${base}/moved.png`))?.type).to.equal('png');
  });

  it('resolves to no logo for other types, large files, slow servers, errors and refused URLs', async () => {
    const f = fetcher({ timeoutMs: 300 });
    for (const path of ['/logo.gif', '/big.png', '/big-chunked.png', '/slow.png', '/missing.png', '/to-plain-http.png']) {
      expect(await f.logo(`${base}${path}`), path).to.equal(undefined);
    }
    expect(await f.logo('http://example.com/logo.png')).to.equal(undefined);
    expect(await f.logo('not a url')).to.equal(undefined);
    expect(await f.logo('https://user:pw@example.com/logo.png')).to.equal(undefined);
    expect(failures.join('\n'))
      .to.match(/neither PNG nor JPEG/)
      .and.match(/larger than 524288 bytes/)
      .and.match(/no answer in 300 ms/)
      .and.match(/answered 404/);
    expect(failures.join('\n'))
      .to.match(/redirected to a refused URL/)
      .and.match(/example\.com\/logo\.png: not an https URL/);
  });

  it('keeps a logo 10 minutes and a failure 1 minute, and at most maxEntries URLs', async () => {
    let now = 0;
    const f = fetcher({ now: () => now, maxEntries: 2 });
    await f.logo(`${base}/logo.png?ttl`);
    now += 9 * 60_000;
    await f.logo(`${base}/logo.png?ttl`);
    expect(hits.get('/logo.png?ttl')).to.equal(1);
    now += 2 * 60_000;
    await f.logo(`${base}/logo.png?ttl`);
    expect(hits.get('/logo.png?ttl')).to.equal(2);

    expect(await f.logo(`${base}/nothing-here.png`)).to.equal(undefined);
    now += 30_000;
    expect(await f.logo(`${base}/nothing-here.png`)).to.equal(undefined);
    expect(hits.get('/nothing-here.png')).to.equal(1);
    now += 31_000;
    await f.logo(`${base}/nothing-here.png`);
    expect(hits.get('/nothing-here.png')).to.equal(2);

    // Least recently used goes first: lru1, used again, outlives lru2.
    for (const key of ['lru1', 'lru2', 'lru1', 'lru3', 'lru1', 'lru2']) await f.logo(`${base}/logo.png?${key}`);
    expect(f.size).to.equal(2);
    expect([hits.get('/logo.png?lru1'), hits.get('/logo.png?lru2'), hits.get('/logo.png?lru3')]).to.deep.equal([1, 2, 1]);
  });
});
