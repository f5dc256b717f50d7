// PDFs read back as a person's PDF reader would: poppler's pdftotext (Debian's poppler-utils; .ci/run installs it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The PDF's text as pdftotext lays it out, all pages or one. */
export function pdfText(pdf: Buffer, page?: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'portico-pdf-'));
  try {
    const file = join(dir, 'document.pdf');
    writeFileSync(file, pdf);
    return execFileSync('pdftotext', ['-layout', ...(page ? ['-f', String(page), '-l', String(page)] : []), file, '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
