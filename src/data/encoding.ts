// Text files are UTF-8; a data file saved by an older spreadsheet is often Windows-1252 (Latin-1 plus
// typographic quotes), where "Müller" and "Mäller" would both decode to "M\uFFFDller" and silently become one
// category. So: valid UTF-8 is read as such; otherwise a file that decodes as Windows-1252 is read that way
// and says so; anything else (NUL bytes: UTF-16 or a binary file, or bytes Windows-1252 does not define) is
// refused with the line of the first bad byte. Pure: no I/O.
import { DataError } from './table';

export type TextEncoding = 'utf-8' | 'windows-1252';

/** Windows-1252's 0x80..0x9F (undefined code points as -1); the rest is Latin-1, i.e. the byte's own value. */
const CP1252_HIGH = [
  0x20ac, -1, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, -1, 0x017d, -1,
  -1, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, -1, 0x017e, 0x0178,
];

/** Byte offset of the first byte that is not part of a valid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(buf: Uint8Array): number {
  const n = buf.length;
  for (let i = 0; i < n; ) {
    const b = buf[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    if (i + need >= n) return i;
    let cp = b & (0xff >> (need + 2));
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

function lineOf(buf: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (buf[i] === 10) line++;
  return line;
}

/** The file's text and the encoding it was read in; throws a DataError for text in no encoding we read. */
export function decodeText(buf: Uint8Array, file: string): { text: string; encoding: TextEncoding; line?: number } {
  const bad = firstInvalidUtf8(buf);
  if (bad < 0) return { text: Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8'), encoding: 'utf-8' };
  const line = lineOf(buf, bad);
  const nul = buf.indexOf(0);
  if (nul >= 0) {
    throw DataError.at('not UTF-8 text: it holds NUL bytes (UTF-16, or not a text file); save it as UTF-8', file, lineOf(buf, nul));
  }
  let text = '';
  const chunk: number[] = [];
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    const cp = b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80] : b;
    if (cp < 0) {
      throw DataError.at(
        `not UTF-8 text (byte 0x${buf[bad].toString(16)} at line ${line}), and not Windows-1252 either (byte 0x${b.toString(16)} at line ${lineOf(buf, i)}); save it as UTF-8`,
        file,
        line,
      );
    }
    chunk.push(cp);
    if (chunk.length === 8192) {
      text += String.fromCharCode(...chunk);
      chunk.length = 0;
    }
  }
  text += String.fromCharCode(...chunk);
  return { text, encoding: 'windows-1252', line };
}
