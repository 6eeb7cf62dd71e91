import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/platform/errors.js';
import { edgeLaplacianVariance, pdfSoftware, xmpSoftware } from '../../src/platform/files-signals.js';
import {
  checkBatch,
  DiskFileStore,
  inspectBatch,
  inspectUpload,
  safeDisplayName,
  sha256Bytes,
  type FileStore,
} from '../../src/platform/files.js';

// ---------- fixtures, built in code ----------

function chunk(type: string, data: Buffer): Buffer {
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/**
 * An 8-bit RGB PNG: IHDR + IDAT + IEND with correct CRCs. `declared` overrides the size written
 * in IHDR (a bomb declares far more than its IDAT holds).
 */
function png(
  width: number,
  height: number,
  pixel: (x: number, y: number) => number,
  declared?: { width: number; height: number },
): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3); // filter byte 0, then RGB
    for (let x = 0; x < width; x++) row.fill(pixel(x, y), 1 + x * 3, 4 + x * 3);
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(declared?.width ?? width, 0);
  ihdr.writeUInt32BE(declared?.height ?? height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const checker = (size: number) => (x: number, y: number) =>
  (Math.floor(x / size) + Math.floor(y / size)) % 2 ? 230 : 20;

/** A sharp 256×256 checkerboard: not small, not blurry, no metadata. */
const sharpPng = png(256, 256, checker(8));

/** An APP1 segment holding one IFD0 entry: Software (0x0131, ASCII). */
function exifApp1(software: string): Buffer {
  const value = Buffer.from(`${software}\0`, 'latin1');
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  tiff.write('II*\0', 0, 'latin1'); // little-endian TIFF
  tiff.writeUInt32LE(8, 4); // IFD0 at offset 8
  tiff.writeUInt16LE(1, 8); // one entry
  tiff.writeUInt16LE(0x0131, 10); // Software
  tiff.writeUInt16LE(2, 12); // ASCII
  tiff.writeUInt32LE(value.length, 14);
  tiff.writeUInt32LE(tiff.length, 18); // the string follows the IFD
  tiff.writeUInt32LE(0, 22); // no next IFD
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff, value]);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/** A real JPEG (encoded by sharp, which writes no EXIF) with a hand-made APP1 after SOI. */
async function jpegWithSoftware(software: string): Promise<Buffer> {
  const jpg = await sharp(sharpPng).jpeg().toBuffer();
  return Buffer.concat([jpg.subarray(0, 2), exifApp1(software), jpg.subarray(2)]);
}

const pdf = (info = ''): Buffer =>
  Buffer.from(
    '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n' +
      '2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n' +
      `3 0 obj << ${info} >> endobj\ntrailer << /Root 1 0 R /Info 3 0 R >>\n%%EOF\n`,
    'latin1',
  );

const chatLog = Buffer.from(
  '2026-11-20 10:01 买家：你好，卡密无法激活，提示“已被使用”\r\n' +
    '2026-11-20 10:03 卖家：请提供截图和订单号\n\t订单号 K20261120-0001\n',
  'utf8',
);

const elf = (() => {
  const b = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(b);
  return b;
})();

const pe = (() => {
  const b = Buffer.alloc(128);
  b.write('MZ', 'latin1');
  return b;
})();

const zip = (() => {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0); // PK\3\4
  header.writeUInt16LE(20, 4);
  header.writeUInt32LE(2, 18);
  header.writeUInt32LE(2, 22);
  header.writeUInt16LE(5, 26); // name length
  return Buffer.concat([header, Buffer.from('a.txt'), Buffer.from('hi')]);
})();

async function refusal(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

let root: string;
let store: DiskFileStore;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'kameng-files-'));
  store = DiskFileStore.forDataDir(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** What a route does: inspect first, store only what passed. */
async function submit(s: FileStore, bytes: Buffer, name: string): Promise<string> {
  await inspectUpload(bytes, name);
  return s.put(bytes);
}

// ---------- inspection ----------

describe('inspectUpload accepts evidence by content', () => {
  it('a real PNG: hash, type, size, dimensions, no signals', async () => {
    const r = await inspectUpload(sharpPng, 'screenshot.png');
    expect(r).toMatchObject({ mime: 'image/png', ext: 'png', kind: 'image', width: 256, height: 256 });
    expect(r.size).toBe(sharpPng.length);
    expect(r.sha256).toBe(sha256Bytes(sharpPng));
    expect(r.signals).toEqual([]);
  });

  it('a PNG named .jpg is stored as what it is', async () => {
    const r = await inspectUpload(sharpPng, 'photo.jpg');
    expect(r).toMatchObject({ mime: 'image/png', ext: 'png' });
  });

  it('a JPEG whose EXIF names Adobe Photoshop gets EDIT_SOFTWARE carrying the value', async () => {
    const r = await inspectUpload(await jpegWithSoftware('Adobe Photoshop 25.0 (Windows)'), 'pay.jpg');
    expect(r).toMatchObject({ mime: 'image/jpeg', ext: 'jpg', width: 256, height: 256 });
    expect(r.signals.map((s) => s.code)).toEqual(['EDIT_SOFTWARE']);
    expect(r.signals[0].value).toContain('Adobe Photoshop');
    expect(r.signals[0].messages['zh-CN']).toContain('编辑软件');
    expect(r.signals[0].messages.en).toContain('editing software');
  });

  it('camera firmware in the Software tag is not an editor', async () => {
    const r = await inspectUpload(await jpegWithSoftware('HDR+ 1.0.540104767zd'), 'camera.jpg');
    expect(r.signals).toEqual([]);
  });

  it('GIF and WebP are images; a tiny one gets VERY_SMALL_IMAGE', async () => {
    const gif = await inspectUpload(await sharp(sharpPng).gif().toBuffer(), 'a.gif');
    expect(gif).toMatchObject({ mime: 'image/gif', kind: 'image', width: 256 });
    const webp = await sharp(png(64, 40, checker(4)))
      .webp({ lossless: true })
      .toBuffer();
    const r = await inspectUpload(webp, 'thumb.webp');
    expect(r).toMatchObject({ mime: 'image/webp', width: 64, height: 40 });
    expect(r.signals.map((s) => s.code)).toEqual(['VERY_SMALL_IMAGE']);
    expect(r.signals[0].value).toBe('64×40');
  });

  it('a WebP whose XMP names Canva gets EDIT_SOFTWARE', async () => {
    const xmp =
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
      '<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Canva"/></rdf:RDF></x:xmpmeta>';
    const webp = await sharp(sharpPng).webp().withXmp(xmp).toBuffer();
    const r = await inspectUpload(webp, 'design.webp');
    expect(r.signals.map((s) => [s.code, s.value])).toEqual([['EDIT_SOFTWARE', 'Canva']]);
  });

  it('a blurred photo gets BLURRY; the same picture sharp does not', async () => {
    const base = png(512, 512, checker(64));
    expect((await inspectUpload(base, 'sharp.png')).signals).toEqual([]);
    const blurred = await sharp(base).blur(6).png().toBuffer();
    const r = await inspectUpload(blurred, 'blurred.png');
    expect(r.signals.map((s) => s.code)).toEqual(['BLURRY']);
  });

  it('a sharp screenshot with little on it is not blurry; blurred, it is', async () => {
    // 1080×1920 white with one "line of text": short dark strokes 3 px wide (no fonts needed)
    const stroke = (x: number, y: number) => (y >= 100 && y < 128 && x < 600 && x % 12 < 3 ? 30 : 255);
    const screenshot = png(1080, 1920, stroke);
    expect((await inspectUpload(screenshot, 'chat.png')).signals).toEqual([]);
    const blurred = await sharp(screenshot).blur(5).png().toBuffer();
    expect((await inspectUpload(blurred, 'chat.png')).signals.map((s) => s.code)).toEqual(['BLURRY']);
  });

  it('a near-uniform image has nothing to judge and is not called blurry', async () => {
    const r = await inspectUpload(
      png(300, 300, () => 250),
      'blank.png',
    );
    expect(r.signals).toEqual([]);
  });

  it('a PDF; one made in Photoshop gets EDIT_SOFTWARE, a PDF library does not', async () => {
    const plain = await inspectUpload(pdf('/Producer (pdfTeX-1.40.25)'), 'receipt.pdf');
    expect(plain).toMatchObject({ mime: 'application/pdf', ext: 'pdf', kind: 'pdf', signals: [] });
    expect(plain.width).toBeUndefined();
    const edited = await inspectUpload(pdf('/Creator (Adobe Photoshop CC 2019 \\(Windows\\))'), 'r.pdf');
    expect(edited.signals.map((s) => [s.code, s.value])).toEqual([
      ['EDIT_SOFTWARE', 'Adobe Photoshop CC 2019 (Windows)'],
    ]);
  });

  it('a UTF-8 Chinese chat log is text', async () => {
    const r = await inspectUpload(chatLog, '聊天记录.txt');
    expect(r).toMatchObject({
      mime: 'text/plain',
      ext: 'txt',
      kind: 'text',
      name: '聊天记录.txt',
      signals: [],
    });
    expect(r.size).toBe(chatLog.length);
  });

  it('a chat log whose first bytes look like a magic number is still text', async () => {
    // "BM" sniffs as a BMP and "MZ" as a Windows executable
    const bmw = await inspectUpload(Buffer.from('BMW 4S店客服：您好\n买家：卡密无效\n'), 'log.txt');
    expect(bmw).toMatchObject({ kind: 'text', mime: 'text/plain' });
    const mz = await inspectUpload(Buffer.from('MZ 李：已付款\n'), 'chat');
    expect(mz.kind).toBe('text');
  });
});

describe('inspectUpload refuses, with a specific code, and nothing reaches the store', () => {
  const MiB = 1024 * 1024;
  const cases: [string, () => Buffer | Promise<Buffer>, string, string, number][] = [
    ['an ELF executable named .png', () => elf, 'evil.png', 'evidence.type_not_allowed', 415],
    ['a Windows PE named .jpg', () => pe, 'setup.jpg', 'evidence.type_not_allowed', 415],
    ['a zip named .pdf', () => zip, 'proof.pdf', 'evidence.type_not_allowed', 415],
    ['an ELF named .txt', () => elf, 'log.txt', 'evidence.type_not_allowed', 415],
    [
      'unknown binary named .png',
      () => Buffer.from([1, 2, 3, 0, 0, 9]),
      'x.png',
      'evidence.type_not_allowed',
      415,
    ],
    ['zero bytes', () => Buffer.alloc(0), 'empty.png', 'evidence.empty', 422],
    ['a text over 1 MiB', () => Buffer.alloc(MiB + 1, 'a'), 'big.txt', 'evidence.too_large', 413],
    ['anything over 10 MiB', () => Buffer.alloc(10 * MiB + 1), 'huge.png', 'evidence.too_large', 413],
    [
      'a PNG declaring 50000×50000 with a tiny IDAT',
      () => png(4, 4, () => 0, { width: 50_000, height: 50_000 }),
      'bomb.png',
      'evidence.image_bomb',
      422,
    ],
    [
      'a PNG declaring 100000×1 (a side over the limit)',
      () => png(4, 1, () => 0, { width: 100_000, height: 1 }),
      'strip.png',
      'evidence.image_bomb',
      422,
    ],
    [
      'invalid UTF-8 (GBK bytes)',
      () => Buffer.from([0xc4, 0xe3, 0xba, 0xc3]),
      'gbk.txt',
      'evidence.text_not_utf8',
      415,
    ],
    ['text with a NUL', () => Buffer.from('line one\nline\0two'), 'nul.txt', 'evidence.text_binary', 415],
    [
      'text with an escape character',
      () => Buffer.from('ok\n\u001b[31mred'),
      'ansi.txt',
      'evidence.text_binary',
      415,
    ],
    [
      'text named .html',
      () => Buffer.from('<script>alert(1)</script>'),
      'page.html',
      'evidence.type_not_allowed',
      415,
    ],
    ['a truncated PNG', () => sharpPng.subarray(0, 60), 'cut.png', 'evidence.unreadable', 422],
  ];

  it.each(cases)('%s', async (_label, make, name, code, status) => {
    const err = await refusal(submit(store, await make(), name));
    expect(err.code).toBe(code);
    expect(err.status).toBe(status);
    expect(err.messages['zh-CN']).not.toMatch(/\{\w+\}/); // every parameter filled in
    expect(err.messages.en).not.toMatch(/\{\w+\}/);
    expect(await filesUnder(root)).toEqual([]);
  });

  it('the refusal of a renamed executable names what it really is', async () => {
    const err = await refusal(inspectUpload(elf, 'evil.png'));
    expect(err.messages.en).toContain('elf (application/x-elf)');
    expect(err.messages['zh-CN']).toContain('evil.png');
    expect((await refusal(inspectUpload(elf, 'log.txt'))).messages.en).toContain('elf (application/x-elf)');
    const exe = await refusal(inspectUpload(pe, 'C:\\Users\\me\\setup.jpg'));
    expect(exe.messages.en).toContain('exe (application/x-msdownload)');
    expect(exe.messages.en).toContain('setup.jpg');
    expect(exe.messages.en).not.toContain('Users');
  });

  it('per-kind limits can be lowered', async () => {
    const err = await refusal(inspectUpload(sharpPng, 'a.png', { maxImageBytes: 100 }));
    expect(err.code).toBe('evidence.too_large');
    expect(err.messages['zh-CN']).toContain('图片');
    const px = await refusal(inspectUpload(sharpPng, 'a.png', { maxImagePixels: 10_000 }));
    expect(px.code).toBe('evidence.image_bomb');
  });
});

describe('batches', () => {
  it('more than 9 files is refused before any is read', () => {
    const ten = Array.from({ length: 10 }, () => ({ size: 1 }));
    expect(() => checkBatch(ten)).toThrow(
      expect.objectContaining({ code: 'evidence.too_many', status: 422 }),
    );
    expect(() => checkBatch(ten.slice(1))).not.toThrow();
    expect(() => checkBatch([Buffer.alloc(10), Buffer.alloc(10)], { maxTotalBytes: 15 })).toThrow(
      expect.objectContaining({ code: 'evidence.total_too_large' }),
    );
  });

  it('inspectBatch names the file that was refused', async () => {
    const err = await refusal(
      inspectBatch([
        { bytes: chatLog, name: 'a.txt' },
        { bytes: elf, name: 'b.png' },
      ]),
    );
    expect(err.code).toBe('evidence.type_not_allowed');
    expect(err.field).toBe('files[1]');
    const ok = await inspectBatch([
      { bytes: chatLog, name: 'a.txt' },
      { bytes: pdf(), name: 'b.pdf' },
    ]);
    expect(ok.map((i) => i.kind)).toEqual(['text', 'pdf']);
  });
});

describe('helpers', () => {
  it('safeDisplayName strips paths and control characters', () => {
    expect(safeDisplayName('../../etc/passwd')).toBe('passwd');
    expect(safeDisplayName('a\u202egnp.exe')).toBe('agnp.exe');
    expect(safeDisplayName('\u0000')).toBe('file');
  });

  it('XMP and PDF software are found in both their spellings', () => {
    expect(
      xmpSoftware('<xmp:CreatorTool>GIMP 2.10</xmp:CreatorTool><x stEvt:softwareAgent="Snapseed"/>'),
    ).toEqual(['GIMP 2.10', 'Snapseed']);
    // UTF-16BE hex string, as PDF writers spell non-Latin names: "美图秀秀"
    const hex = Buffer.from('美图秀秀', 'utf16le').swap16().toString('hex');
    expect(pdfSoftware(pdf(`/Creator <FEFF${hex}>`))).toEqual(['美图秀秀']);
  });

  it('the edge Laplacian finds no edges on a flat image and a large variance on sharp ones', () => {
    expect(edgeLaplacianVariance(new Uint8Array(16).fill(7), 4, 4)).toEqual({ variance: 0, edgePixels: 0 });
    const edges = Uint8Array.from({ length: 36 }, (_, i) => (i % 2 ? 255 : 0));
    const r = edgeLaplacianVariance(edges, 6, 6);
    expect(r.edgePixels).toBe(16);
    expect(r.variance).toBeGreaterThan(1000);
  });
});

// ---------- the store ----------

describe('DiskFileStore', () => {
  it('puts content once under evidence/ab/cd/<sha256>, and gets it back verified', async () => {
    const a = await store.put(sharpPng);
    const b = await store.put(Buffer.from(sharpPng)); // same content, another Buffer
    expect(a).toBe(b);
    expect(a).toBe(sha256Bytes(sharpPng));
    const files = await filesUnder(root);
    expect(files).toEqual([path.join(root, 'evidence', a.slice(0, 2), a.slice(2, 4), a)]);
    expect(await store.has(a)).toBe(true);
    expect((await store.get(a))?.equals(sharpPng)).toBe(true);
  });

  it('leaves no temporary files behind', async () => {
    await Promise.all([store.put(chatLog), store.put(chatLog), store.put(pdf())]);
    const files = await filesUnder(root);
    expect(files).toHaveLength(2);
    expect(files.some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  it('detects a file corrupted on disk', async () => {
    const sha = await store.put(chatLog);
    const p = store.pathFor(sha);
    const damaged = Buffer.from(chatLog);
    damaged[0] ^= 0x01;
    await writeFile(p, damaged);
    const err = await refusal(store.get(sha));
    expect(err.code).toBe('evidence.corrupted');
    expect(err.messages.en).toContain(sha);
    // storing the content again repairs a copy whose size differs
    await writeFile(p, 'short');
    await store.put(chatLog);
    expect((await store.get(sha))?.equals(chatLog)).toBe(true);
  });

  it('absent and malformed ids are simply not there', async () => {
    expect(await store.get('0'.repeat(64))).toBeNull();
    expect(await store.has('0'.repeat(64))).toBe(false);
    expect(await store.get('../../etc/passwd')).toBeNull();
    expect(await store.has('ABC')).toBe(false);
  });

  it('removes temporary files left by a crash once they are old', async () => {
    const sha = await store.put(chatLog);
    const dir = path.dirname(store.pathFor(sha));
    const stale = path.join(dir, `.${sha}.crashed.tmp`);
    const fresh = path.join(dir, `.${sha}.writing.tmp`);
    await writeFile(stale, 'half');
    await writeFile(fresh, 'half');
    const now = Date.now();
    const old = new Date(now - 2 * 60 * 60 * 1000);
    await utimes(stale, old, old);
    expect(await store.removeStaleTemp(now)).toBe(1);
    await expect(stat(stale)).rejects.toThrow();
    expect((await stat(fresh)).isFile()).toBe(true);
    expect(await new DiskFileStore(path.join(root, 'missing')).removeStaleTemp(now)).toBe(0);
  });
});
