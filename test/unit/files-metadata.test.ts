/**
 * The shareable copy of an evidence image (platform/files-metadata.ts): for every accepted image
 * format, the metadata goes and the pixels stay; what comes after a JPEG's end (a phone's second
 * picture with its own EXIF) goes too; anything that is not an image is not touched.
 */
import exifr from 'exifr';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { withoutMetadata } from '../../src/platform/files-metadata.js';

const EXIF = {
  IFD0: { Make: 'Apple', Model: 'iPhone 15 Pro' },
  IFD3: {
    GPSLatitudeRef: 'N',
    GPSLatitude: '31/1 13/1 0/1',
    GPSLongitudeRef: 'E',
    GPSLongitude: '121/1 28/1 0/1',
  },
};
const XMP =
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  '<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Model="iPhone 15 Pro"/></rdf:RDF></x:xmpmeta>';

const base = () =>
  sharp({
    create: {
      width: 64,
      height: 48,
      channels: 3,
      background: '#3366aa',
      noise: { type: 'gaussian', mean: 120, sigma: 30 },
    },
  });
const pixels = (b: Buffer) => sharp(b).raw().toBuffer();
const leaks = (b: Buffer) => b.includes('iPhone') || b.includes('Apple') || b.includes('xmpmeta');

/** Sub-blocks of at most 255 bytes, then the terminator. */
const subBlocks = (data: Buffer): Buffer[] => {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += 255) {
    const part = data.subarray(i, i + 255);
    out.push(Buffer.from([part.length]), part);
  }
  return [...out, Buffer.from([0])];
};

/** A GIF with an XMP application extension and a comment, where a camera app would put them. */
function withGifMetadata(gif: Buffer): Buffer {
  const packed = gif[10];
  const at = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0);
  return Buffer.concat([
    gif.subarray(0, at),
    Buffer.from([0x21, 0xff, 0x0b]),
    Buffer.from('XMP DataXMP', 'latin1'),
    ...subBlocks(Buffer.from(XMP)),
    Buffer.from([0x21, 0xfe]),
    ...subBlocks(Buffer.from('Apple camera')),
    gif.subarray(at),
  ]);
}

describe('withoutMetadata', () => {
  it.each([
    ['jpeg', () => base().jpeg().withExif(EXIF).withXmp(XMP).toBuffer()],
    ['progressive jpeg', () => base().jpeg({ progressive: true }).withExif(EXIF).toBuffer()],
    ['png', () => base().png().withExif(EXIF).withXmp(XMP).toBuffer()],
    ['webp', () => base().webp({ lossless: true }).withExif(EXIF).withXmp(XMP).toBuffer()],
    ['gif', async () => withGifMetadata(await base().gif().toBuffer())],
  ])('%s: metadata removed, the same pixels, without re-encoding', async (_, make) => {
    const original = await make();
    expect(leaks(original)).toBe(true);
    const copy = await withoutMetadata(original);
    expect(copy?.method).toBe('METADATA_REMOVED');
    expect(leaks(copy!.bytes)).toBe(false);
    expect(await exifr.gps(copy!.bytes).catch(() => undefined)).toBeUndefined();
    expect((await pixels(copy!.bytes)).equals(await pixels(original))).toBe(true);
  });

  it('drops a JPEG comment and whatever follows the end of the image', async () => {
    const jpeg = await base().jpeg().toBuffer();
    const com = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x0e]), Buffer.from('Apple camera')]);
    const second = await base().jpeg().withExif(EXIF).toBuffer();
    const doctored = Buffer.concat([jpeg.subarray(0, 2), com, jpeg.subarray(2), second]);
    const copy = await withoutMetadata(doctored);
    expect(copy?.method).toBe('METADATA_REMOVED');
    expect(leaks(copy!.bytes)).toBe(false);
    expect(copy!.bytes.length).toBeLessThan(jpeg.length + 1);
    expect((await pixels(copy!.bytes)).equals(await pixels(jpeg))).toBe(true);
  });

  it('leaves PDFs and text alone', async () => {
    expect(await withoutMetadata(Buffer.from('%PDF-1.4\n/Author (张三)\n'))).toBeUndefined();
    expect(await withoutMetadata(Buffer.from('买家：卡密无效'))).toBeUndefined();
  });
});
