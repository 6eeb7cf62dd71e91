/**
 * The shareable copy of an evidence image: the same pixels without location and device metadata
 * (EXIF with its GPS block, make, model, serial numbers and embedded thumbnail; XMP; IPTC and
 * Photoshop resources; comments and text chunks; maker notes; anything after the image's end, such
 * as a phone's second picture). PIPL treats a precise location as sensitive personal information,
 * and a buyer's photo shown to a merchant is no reason to hand over where it was taken.
 *
 * The containers are rewritten, not the pictures re-encoded: the compressed image data is copied
 * byte for byte, so the copy shows exactly what the original shows (a reviewer reading a blurry
 * screenshot loses nothing). What a picture needs to look right stays: JPEG tables, the JFIF and
 * Adobe segments and the ICC profile; PNG palettes, transparency, colour and animation chunks;
 * WebP's animation and ICC chunks; GIF's looping extension. A JPEG's EXIF orientation is kept as a
 * minimal EXIF block holding that one tag, so a phone photo is not shown sideways.
 *
 * The result is read back with exifr; if anything identifying is still found (or a container
 * could not be walked), the image is re-encoded by sharp instead, which writes no metadata at all.
 */
import exifr from 'exifr';
import sharp from 'sharp';

export type DerivationMethod = 'METADATA_REMOVED' | 'REENCODED';

export interface Derivative {
  bytes: Buffer;
  method: DerivationMethod;
}

type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp';

/** The image format by magic number; undefined for anything that is not an evidence image. */
export function imageFormatOf(bytes: Buffer): ImageFormat | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.subarray(0, 6).toString('latin1'))) return 'gif';
  if (
    bytes.length >= 12 &&
    bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
    bytes.subarray(8, 12).toString('latin1') === 'WEBP'
  )
    return 'webp';
  return undefined;
}

class Malformed extends Error {}

const need = (cond: boolean): void => {
  if (!cond) throw new Malformed('malformed container');
};

// ---- JPEG ----------------------------------------------------------------------------------------

/** A minimal EXIF APP1 holding only the orientation tag (big-endian TIFF, one IFD entry). */
function orientationApp1(orientation: number): Buffer {
  const payload = Buffer.alloc(6 + 8 + 2 + 12 + 4);
  payload.write('Exif\0\0', 0, 'latin1');
  payload.write('MM', 6, 'latin1');
  payload.writeUInt16BE(42, 8);
  payload.writeUInt32BE(8, 10); // first IFD right after the header
  payload.writeUInt16BE(1, 14); // one entry
  payload.writeUInt16BE(0x0112, 16); // Orientation
  payload.writeUInt16BE(3, 18); // SHORT
  payload.writeUInt32BE(1, 20); // count
  payload.writeUInt16BE(orientation, 24); // value, left-justified in the 4-byte field
  payload.writeUInt32BE(0, 28); // no next IFD
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/** APP2 carries the ICC profile (kept) but also MPF and FlashPix data (dropped). */
const isIccApp2 = (data: Buffer): boolean => data.subarray(0, 12).toString('latin1') === 'ICC_PROFILE\0';

function stripJpeg(bytes: Buffer, orientation: number | undefined): Buffer {
  const out: Buffer[] = [bytes.subarray(0, 2)];
  if (orientation !== undefined && orientation !== 1) out.push(orientationApp1(orientation));
  let i = 2;
  for (;;) {
    need(i + 1 < bytes.length && bytes[i] === 0xff);
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd9) {
      // End of image: anything after it (a phone's second picture with its own EXIF) is dropped.
      out.push(bytes.subarray(i, i + 2));
      return Buffer.concat(out);
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      out.push(bytes.subarray(i, i + 2));
      i += 2;
      continue;
    }
    need(i + 3 < bytes.length);
    const length = bytes.readUInt16BE(i + 2);
    need(length >= 2 && i + 2 + length <= bytes.length);
    const segment = bytes.subarray(i, i + 2 + length);
    const isApp = marker >= 0xe0 && marker <= 0xef;
    const keep =
      (!isApp && marker !== 0xfe) || // tables and frame headers; not APPn, not COM
      marker === 0xe0 || // APP0 JFIF / JFXX
      marker === 0xee || // APP14 Adobe (the colour transform, needed to decode CMYK/YCCK right)
      (marker === 0xe2 && isIccApp2(segment.subarray(4)));
    if (keep) out.push(segment);
    i += 2 + length;
    if (marker === 0xda) {
      // Entropy-coded data up to the next marker: inside it FF is always followed by 00 or RSTn.
      let j = i;
      while (
        j + 1 < bytes.length &&
        !(bytes[j] === 0xff && bytes[j + 1] !== 0 && (bytes[j + 1] < 0xd0 || bytes[j + 1] > 0xd7))
      )
        j++;
      need(j + 1 < bytes.length);
      out.push(bytes.subarray(i, j));
      i = j;
    }
  }
}

// ---- PNG (and APNG) ------------------------------------------------------------------------------

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Chunks that make the picture: critical ones, colour and transparency, physical size, animation.
 * Everything else goes: eXIf, tEXt, zTXt, iTXt (XMP travels in iTXt), tIME, and private chunks.
 */
const PNG_KEEP = new Set([
  'IHDR',
  'PLTE',
  'IDAT',
  'IEND',
  'tRNS',
  'cHRM',
  'gAMA',
  'iCCP',
  'sBIT',
  'sRGB',
  'cICP',
  'mDCv',
  'cLLi',
  'bKGD',
  'hIST',
  'pHYs',
  'sPLT',
  'acTL',
  'fcTL',
  'fdAT',
]);

function stripPng(bytes: Buffer): Buffer {
  const out: Buffer[] = [PNG_SIGNATURE];
  let i = 8;
  for (;;) {
    need(i + 12 <= bytes.length);
    const length = bytes.readUInt32BE(i);
    const type = bytes.subarray(i + 4, i + 8).toString('latin1');
    need(i + 12 + length <= bytes.length);
    if (PNG_KEEP.has(type)) out.push(bytes.subarray(i, i + 12 + length));
    i += 12 + length;
    if (type === 'IEND') return Buffer.concat(out);
  }
}

// ---- WebP ----------------------------------------------------------------------------------------

function stripWebp(bytes: Buffer): Buffer {
  const riffEnd = Math.min(bytes.length, 8 + bytes.readUInt32LE(4));
  const chunks: Buffer[] = [];
  let i = 12;
  while (i + 8 <= riffEnd) {
    const type = bytes.subarray(i, i + 4).toString('latin1');
    const size = bytes.readUInt32LE(i + 4);
    const end = i + 8 + size + (size % 2);
    need(i + 8 + size <= riffEnd);
    if (type !== 'EXIF' && type !== 'XMP ') {
      const chunk = Buffer.from(bytes.subarray(i, Math.min(end, riffEnd)));
      // VP8X flags: clear "has EXIF" (bit 3) and "has XMP" (bit 2), now absent.
      if (type === 'VP8X') chunk[8] &= ~0x0c;
      chunks.push(chunk.length % 2 ? Buffer.concat([chunk, Buffer.alloc(1)]) : chunk);
    }
    i = end;
  }
  const body = Buffer.concat(chunks);
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(4 + body.length, 4);
  head.write('WEBP', 8, 'latin1');
  return Buffer.concat([head, body]);
}

// ---- GIF -----------------------------------------------------------------------------------------

/** Application extensions that only say how to loop an animation. */
const GIF_KEEP_APP = new Set(['NETSCAPE2.0', 'ANIMEXTS1.0']);

/** The offset past a run of data sub-blocks (length byte, data, … ending with a zero length). */
function skipSubBlocks(bytes: Buffer, i: number): number {
  for (;;) {
    need(i < bytes.length);
    const n = bytes[i];
    i += 1 + n;
    if (n === 0) return i;
  }
}

function stripGif(bytes: Buffer): Buffer {
  need(bytes.length >= 13);
  const packed = bytes[10];
  let i = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0);
  const out: Buffer[] = [bytes.subarray(0, i)];
  for (;;) {
    need(i < bytes.length);
    const introducer = bytes[i];
    if (introducer === 0x3b) {
      out.push(bytes.subarray(i, i + 1));
      return Buffer.concat(out);
    }
    if (introducer === 0x2c) {
      need(i + 10 <= bytes.length);
      const local = bytes[i + 9];
      const start = i;
      i += 10 + (local & 0x80 ? 3 * 2 ** ((local & 0x07) + 1) : 0);
      i = skipSubBlocks(bytes, i + 1); // past the LZW minimum code size, then the data
      out.push(bytes.subarray(start, i));
      continue;
    }
    need(introducer === 0x21 && i + 2 <= bytes.length);
    const label = bytes[i + 1];
    const start = i;
    i = skipSubBlocks(bytes, i + 2);
    const app = label === 0xff ? bytes.subarray(start + 3, start + 3 + 11).toString('latin1') : '';
    const keep = label === 0xf9 || label === 0x01 || (label === 0xff && GIF_KEEP_APP.has(app));
    if (keep) out.push(bytes.subarray(start, i));
  }
}

// ---- checking and falling back -------------------------------------------------------------------

/** Whatever metadata exifr still finds, by tag name, other than the orientation kept on purpose. */
export async function remainingMetadata(bytes: Buffer): Promise<string[]> {
  let out: unknown;
  try {
    out = await exifr.parse(bytes, {
      tiff: true,
      exif: true,
      gps: true,
      interop: true,
      ifd1: true,
      xmp: true,
      iptc: true,
      icc: false,
      jfif: false,
      ihdr: false,
      makerNote: true,
      userComment: true,
      mergeOutput: true,
      translateKeys: true,
      reviveValues: false,
    });
  } catch {
    return [];
  }
  if (typeof out !== 'object' || out === null) return [];
  return Object.keys(out).filter((k) => k !== 'Orientation');
}

async function reencode(bytes: Buffer, format: ImageFormat): Promise<Buffer> {
  // sharp writes no metadata unless asked; rotate() applies the orientation it drops.
  const animated = format === 'gif' || format === 'webp';
  const img = sharp(bytes, { animated, failOn: 'error' });
  if (!animated) img.rotate();
  switch (format) {
    case 'jpeg':
      return img.jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer();
    case 'png':
      return img.png().toBuffer();
    case 'webp':
      return img.webp({ quality: 95 }).toBuffer();
    case 'gif':
      return img.gif().toBuffer();
  }
}

/**
 * The shareable copy of an evidence image, or undefined for anything that is not one (PDF and
 * text are their author's own words and are shared as they are). May return the original bytes
 * unchanged when there was nothing to remove.
 */
export async function withoutMetadata(bytes: Buffer): Promise<Derivative | undefined> {
  const format = imageFormatOf(bytes);
  if (!format) return undefined;
  let stripped: Buffer | undefined;
  try {
    switch (format) {
      case 'jpeg': {
        const { orientation } = await sharp(bytes).metadata();
        stripped = stripJpeg(bytes, orientation);
        break;
      }
      case 'png':
        stripped = stripPng(bytes);
        break;
      case 'webp':
        stripped = stripWebp(bytes);
        break;
      case 'gif':
        stripped = stripGif(bytes);
        break;
    }
  } catch (err) {
    if (!(err instanceof Malformed)) throw err;
  }
  const left = stripped ? await remainingMetadata(stripped) : ['(unreadable container)'];
  if (stripped && left.length === 0) return { bytes: stripped, method: 'METADATA_REMOVED' };
  return { bytes: await reencode(bytes, format), method: 'REENCODED' };
}
