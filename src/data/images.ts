// Images as pixel matrices: decode PNG (pngjs) and JPEG (jpeg-js), resize to the spec's width x height,
// convert to the wanted number of channels and scale pixels to 0..1. Pure JavaScript, so training and
// prediction prepare an image identically on every backend.
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import type { ImageOptions } from '../format/types';
import { isImageFile } from './image-folder';
import { FileRefused, LIMITS, readRegularFile } from '../runs/safe-fs';

export class ImageError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'ImageError';
  }
}

/** Decoded pixels, always 8-bit RGBA, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** An image may declare at most this many pixels (decoded to RGBA: 4 bytes each, 160 MB here). */
export const MAX_IMAGE_PIXELS = 40_000_000;

export type ImageKind = 'png' | 'jpeg';

export function imageKind(buf: Uint8Array): ImageKind | undefined {
  if (buf.length > 8 && buf[0] === 0x89 && buf[1] === 0x50 && buf[2] === 0x4e && buf[3] === 0x47) return 'png';
  if (buf.length > 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  return undefined;
}

/** The width and height a PNG (IHDR) or JPEG (first SOF marker) header declares, without decoding. */
export function declaredSize(buf: Uint8Array): { width: number; height: number } | undefined {
  const kind = imageKind(buf);
  const u16 = (i: number) => (buf[i] << 8) | buf[i + 1];
  if (kind === 'png') {
    if (buf.length < 24) return undefined;
    const u32 = (i: number) => ((buf[i] << 24) >>> 0) + (buf[i + 1] << 16) + (buf[i + 2] << 8) + buf[i + 3];
    return { width: u32(16), height: u32(20) };
  }
  if (kind === 'jpeg') {
    for (let i = 2; i + 9 < buf.length; ) {
      if (buf[i] !== 0xff) return undefined;
      const marker = buf[i + 1];
      if (marker === 0xff) {
        i++;
        continue;
      }
      // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC).
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { height: u16(i + 5), width: u16(i + 7) };
      if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
        i += 2;
        continue;
      }
      i += 2 + u16(i + 2);
    }
  }
  return undefined;
}

/**
 * Cheap checks of an image file's bytes, without decoding: a known format, a declared size within
 * MAX_IMAGE_PIXELS, and an intact end (a PNG ends with its IEND chunk, a JPEG with the EOI marker).
 * `head` is the file's start (at least 64 KB, where a JPEG's SOF lies), `tail` its last 12 bytes.
 */
export function imageProblem(head: Uint8Array, tail: Uint8Array, size: number): string | undefined {
  if (size === 0) return 'the file is empty';
  const kind = imageKind(head);
  if (!kind) return 'not a PNG or JPEG image';
  const dims = declaredSize(head);
  if (kind === 'png' && !dims) return 'the PNG header is cut short';
  if (dims && (dims.width === 0 || dims.height === 0)) return `the image declares a size of ${dims.width}x${dims.height}`;
  if (dims && dims.width * dims.height > MAX_IMAGE_PIXELS) {
    return `the image declares ${dims.width}x${dims.height} pixels, more than the ${MAX_IMAGE_PIXELS.toLocaleString('en-US')} allowed`;
  }
  if (kind === 'png') {
    const iend = tail.length >= 12 && tail[4] === 0x49 && tail[5] === 0x45 && tail[6] === 0x4e && tail[7] === 0x44;
    if (!iend) return 'the PNG file is truncated (it does not end with its IEND chunk)';
  } else {
    // Some encoders pad after EOI; look for it among the last bytes.
    let eoi = false;
    for (let i = 0; i + 1 < tail.length; i++) if (tail[i] === 0xff && tail[i + 1] === 0xd9) eoi = true;
    if (!eoi) return 'the JPEG file is truncated (it does not end with the end-of-image marker)';
  }
  return undefined;
}

/** Decodes by content (magic bytes), not by file name, so a mislabeled file still loads or fails clearly. */
export function decodeImage(buf: Uint8Array, file = '<image>'): RgbaImage {
  const kind = imageKind(buf);
  const isPng = kind === 'png';
  const isJpeg = kind === 'jpeg';
  const dims = declaredSize(buf);
  if (dims && dims.width * dims.height > MAX_IMAGE_PIXELS) {
    throw new ImageError(file, `the image declares ${dims.width}x${dims.height} pixels, more than the ${MAX_IMAGE_PIXELS.toLocaleString('en-US')} allowed`);
  }
  try {
    if (isPng) {
      // pngjs expands palette/grayscale to RGBA and rescales 16-bit samples to 8-bit.
      const png = PNG.sync.read(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    if (isJpeg) {
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6 });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (err) {
    throw new ImageError(file, `cannot decode ${isPng ? 'PNG' : 'JPEG'} image: ${(err as Error).message}`);
  }
  if (buf.length === 0) throw new ImageError(file, 'the file is empty');
  throw new ImageError(file, 'not a PNG or JPEG image');
}

/**
 * One axis of a separable resampling: for each output index, the source indices and their weights.
 * Shrinking averages the covered source pixels (area), which keeps thin strokes visible; enlarging
 * interpolates between the two nearest source pixels (bilinear, half-pixel centers).
 */
function axisWeights(src: number, dst: number): { idx: Int32Array; w: Float32Array; start: Int32Array } {
  const idx: number[] = [];
  const w: number[] = [];
  const start = new Int32Array(dst + 1);
  const scale = src / dst;
  for (let o = 0; o < dst; o++) {
    start[o] = idx.length;
    if (src > dst) {
      const lo = o * scale;
      const hi = (o + 1) * scale;
      for (let s = Math.floor(lo); s < Math.min(src, Math.ceil(hi)); s++) {
        const overlap = Math.min(hi, s + 1) - Math.max(lo, s);
        if (overlap > 0) {
          idx.push(s);
          w.push(overlap / scale);
        }
      }
    } else {
      const c = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), src - 1);
      const s0 = Math.floor(c);
      const s1 = Math.min(s0 + 1, src - 1);
      const f = c - s0;
      idx.push(s0);
      w.push(1 - f);
      if (f > 0 && s1 !== s0) {
        idx.push(s1);
        w.push(f);
      }
    }
  }
  start[dst] = idx.length;
  return { idx: Int32Array.from(idx), w: Float32Array.from(w), start };
}

/** Channel values 0..255 as floats (RGBA, or gray when `channels` is 1). */
function toChannels(img: RgbaImage, channels: 1 | 3 | 4): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(n * channels);
  const d = img.data;
  for (let p = 0; p < n; p++) {
    const r = d[4 * p];
    const g = d[4 * p + 1];
    const b = d[4 * p + 2];
    const a = d[4 * p + 3];
    if (channels === 4) {
      out[4 * p] = r;
      out[4 * p + 1] = g;
      out[4 * p + 2] = b;
      out[4 * p + 3] = a;
      continue;
    }
    // Transparent pixels are composited over white, i.e. the image as a viewer shows it.
    const alpha = a / 255;
    const rr = r * alpha + 255 * (1 - alpha);
    const gg = g * alpha + 255 * (1 - alpha);
    const bb = b * alpha + 255 * (1 - alpha);
    if (channels === 3) {
      out[3 * p] = rr;
      out[3 * p + 1] = gg;
      out[3 * p + 2] = bb;
    } else {
      // ITU-R BT.601 luma, as most image libraries convert RGB to grayscale.
      out[p] = 0.299 * rr + 0.587 * gg + 0.114 * bb;
    }
  }
  return out;
}

/** k / 255 for every byte k: how a stored pixel becomes the model's input (one table, so bytes and floats agree exactly). */
export const BYTE_TO_UNIT = Float32Array.from({ length: 256 }, (_, k) => k / 255);

/** Copies `n` values from `src` at `from` into `dst` at `at`, bytes scaled to 0..1 (BYTE_TO_UNIT), floats as they are. */
export function copyScaled(src: Float32Array | Uint8Array, from: number, n: number, dst: Float32Array, at: number): void {
  if (src instanceof Float32Array) {
    // A short row (tabular data: tens of features) copies faster in a loop than through a subarray object
    // (measured 2.3x for batches of 256 rows of 20, bench task A); long rows (images) through set().
    if (n > 64) dst.set(src.subarray(from, from + n), at);
    else for (let j = 0; j < n; j++) dst[at + j] = src[from + j];
    return;
  }
  for (let j = 0; j < n; j++) dst[at + j] = BYTE_TO_UNIT[src[from + j]];
}

/** The values as the model sees them, as floats (bytes scaled); floats are returned as they are, not copied. */
export function asFloats(src: Float32Array | Uint8Array): Float32Array {
  if (src instanceof Float32Array) return src;
  const out = new Float32Array(src.length);
  copyScaled(src, 0, src.length, out, 0);
  return out;
}

/**
 * The image as the model sees it: height x width x channels values in 0..1 (row-major, channels last),
 * written into `out` at `offset` when given (so a whole data set fills one array without copies). Values
 * are whole steps of 1/255 (8-bit, as image libraries convert and resize): a Uint8Array `out` holds the
 * bytes (a quarter of the memory; the trainer scales them batch by batch), a Float32Array the same values
 * scaled, so training from bytes and predicting from floats see identical inputs.
 */
export function imageToPixels<T extends Float32Array | Uint8Array = Float32Array>(img: RgbaImage, opts: ImageOptions, out?: T, offset = 0): T {
  const { width: W, height: H, channels: C } = opts;
  const target = (out ?? new Float32Array(W * H * C)) as T;
  const levels = channelLevels(img, opts);
  const bytes = target instanceof Uint8Array;
  for (let i = 0; i < levels.length; i++) {
    const k = Math.round(Math.min(255, Math.max(0, levels[i])));
    target[offset + i] = bytes ? k : BYTE_TO_UNIT[k];
  }
  return target;
}

/** Channel levels 0..255 (not rounded) at the wanted size: area average to shrink, bilinear to enlarge. */
function channelLevels(img: RgbaImage, opts: ImageOptions): Float32Array {
  const { width: W, height: H, channels: C } = opts;
  const src = toChannels(img, C);
  if (img.width === W && img.height === H) return src;
  const target = new Float32Array(W * H * C);
  const xs = axisWeights(img.width, W);
  const ys = axisWeights(img.height, H);
  // Horizontal pass into a (source height x W x C) buffer, then vertical.
  const tmp = new Float32Array(img.height * W * C);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < W; x++) {
      for (let k = xs.start[x]; k < xs.start[x + 1]; k++) {
        const sx = xs.idx[k];
        const wt = xs.w[k];
        const si = (y * img.width + sx) * C;
        const ti = (y * W + x) * C;
        for (let c = 0; c < C; c++) tmp[ti + c] += wt * src[si + c];
      }
    }
  }
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const ti = (y * W + x) * C;
      for (let k = ys.start[y]; k < ys.start[y + 1]; k++) {
        const si = (ys.idx[k] * W + x) * C;
        const wt = ys.w[k];
        for (let c = 0; c < C; c++) target[ti + c] += wt * tmp[si + c];
      }
    }
  }
  return target;
}

export async function readImagePixels<T extends Float32Array | Uint8Array = Float32Array>(file: string, opts: ImageOptions, out?: T, offset = 0): Promise<T> {
  let buf: Buffer;
  try {
    buf = await readRegularFile(file, LIMITS.image);
  } catch (err) {
    throw new ImageError(file, err instanceof FileRefused ? err.message : `cannot read the image: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return imageToPixels(decodeImage(buf, file), opts, out, offset);
}

/** Images to predict: one file, or every image in a folder and its sub-folders. */
export async function listImagesToPredict(p: string): Promise<string[]> {
  const st = await fs.stat(p);
  if (st.isFile()) return [p];
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const e of (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => compareNames(a.name, b.name))) {
      const full = path.join(dir, e.name);
      if (e.isDirectory() && !e.name.startsWith('.')) await walk(full);
      else if (e.isFile() && isImageFile(e.name)) out.push(full);
    }
  };
  await walk(p);
  return out;
}

/** Natural order, so "2" sorts before "10". */
function compareNames(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

const HEAD_BYTES = 4096;

/** imageProblem for one file, reading only its first 4 KB and last 12 bytes (a regular file only). */
export async function checkImageFile(file: string): Promise<string | undefined> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    return `cannot read the image (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return 'not a regular file';
    if (st.size > LIMITS.image.bytes) return `the file is larger than the ${LIMITS.image.bytes / 1024 / 1024} MB allowed for an image`;
    const head = Buffer.alloc(Math.min(HEAD_BYTES, st.size));
    await fh.read(head, 0, head.length, 0);
    const tail = Buffer.alloc(Math.min(12, st.size));
    await fh.read(tail, 0, tail.length, st.size - tail.length);
    return imageProblem(head, tail, st.size);
  } finally {
    await fh.close();
  }
}

/** Every image of a data set checked cheaply (imageProblem), a few files at a time. */
export async function checkImageFiles(files: readonly string[], parallel = 16): Promise<{ file: string; problem: string }[]> {
  const found: { file: string; problem: string }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const f = files[next++];
      const problem = await checkImageFile(f);
      if (problem) found.push({ file: f, problem });
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, files.length) }, worker));
  return found.sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file));
}
