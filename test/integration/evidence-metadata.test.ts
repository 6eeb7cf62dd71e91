/**
 * Evidence images without location and device metadata for everyone but their author (Stage 9,
 * PIPL: a precise location is sensitive), over HTTP on a real database (SQLite, and PostgreSQL
 * when configured). A buyer's phone photo (JPEG with GPS, make, model and serial in EXIF) and a
 * PNG with EXIF and XMP: the merchant, support and the merchant's case file get copies with none
 * of it and the same pixels; the buyer gets their upload back byte for byte; the derivation is
 * recorded, and the case file names both hashes and says which copy came from which original.
 */
import { createHash } from 'node:crypto';
import exifr from 'exifr';
import JSZip from 'jszip';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Client, type Harness } from '../helpers/app.js';
import { merchantOf, UNACTIVATED_REFUND } from '../helpers/disputes.js';
import { refs } from '../helpers/evidence.js';
import { buy, fund, idem, stocked } from '../helpers/orders.js';

let h: Harness;
beforeAll(async () => {
  h = await harness({ KAMENG_SESSION_HOURS: String(24 * 90) });
});
afterAll(() => h.close());

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A 320×240 noisy picture (not blank, so not "blurry"), as the base of both files. */
const picture = () =>
  sharp({
    create: {
      width: 320,
      height: 240,
      channels: 3,
      background: '#3366aa',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  });

const GPS = {
  GPSLatitudeRef: 'N',
  GPSLatitude: '31/1 13/1 3456/100',
  GPSLongitudeRef: 'E',
  GPSLongitude: '121/1 28/1 1234/100',
};

async function phoneJpeg(): Promise<Buffer> {
  return picture()
    .jpeg({ quality: 90 })
    .withMetadata({ orientation: 6 })
    .withExif({
      IFD0: { Make: 'Apple', Model: 'iPhone 15 Pro', Software: '17.4.1' },
      IFD2: { BodySerialNumber: 'F2LXK0QJ1234', DateTimeOriginal: '2026:01:04 21:13:09' },
      IFD3: GPS,
    })
    .toBuffer();
}

async function taggedPng(): Promise<Buffer> {
  return picture()
    .png()
    .withExif({ IFD0: { Make: 'Xiaomi', Model: '23013RK75C' }, IFD3: GPS })
    .withXmp(
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
        '<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:tiff="http://ns.adobe.com/tiff/1.0/" ' +
        'exif:GPSLatitude="31,13.576N" exif:GPSLongitude="121,28.206E" tiff:Make="Xiaomi" tiff:Model="23013RK75C"/>' +
        '</rdf:RDF></x:xmpmeta>',
    )
    .toBuffer();
}

/** Everything exifr finds (EXIF, GPS, XMP, IPTC), flattened to one object. */
async function metadataOf(bytes: Buffer): Promise<Record<string, unknown>> {
  const out = (await exifr.parse(bytes, {
    tiff: true,
    exif: true,
    gps: true,
    ifd1: true,
    xmp: true,
    iptc: true,
    icc: false,
    mergeOutput: true,
  })) as Record<string, unknown> | undefined;
  return out ?? {};
}

async function expectClean(bytes: Buffer, label: string) {
  const meta = await metadataOf(bytes);
  for (const tag of [
    'latitude',
    'longitude',
    'GPSLatitude',
    'GPSLongitude',
    'Make',
    'Model',
    'BodySerialNumber',
    'SerialNumber',
    'DateTimeOriginal',
    'Software',
  ])
    expect(meta[tag], `${label}: ${tag}`).toBeUndefined();
  expect(await exifr.gps(bytes).catch(() => undefined), label).toBeUndefined();
  // the strings the files were tagged with, anywhere in the bytes (not "GPS" alone: three bytes turn
  // up by chance in a noisy picture's compressed pixels about once in seventy files)
  for (const written of ['iPhone', 'Xiaomi', '23013RK75C', 'F2LXK0QJ1234', 'GPSLatitude', 'GPSLongitude'])
    expect(bytes.includes(written), `${label}: ${written}`).toBe(false);
}

const pixels = async (b: Buffer) => sharp(b).raw().toBuffer();

async function download(c: Client, url: string) {
  const res = await h.app.inject({
    method: 'GET',
    url,
    headers: { cookie: c.cookie ?? '', 'accept-language': c.lang },
    remoteAddress: c.ip,
  });
  return { status: res.statusCode, headers: res.headers, body: res.rawPayload };
}

type Manifest = {
  files: { path: string; sha256: string; size: number }[];
  derivedEvidence: { path: string; sha256: string; derivedFrom: string; method: string }[];
  notes: string[];
};
type EvidenceFile = {
  sha256: string;
  fileSha256: string;
  path: string;
  derivation: string | null;
};

async function caseFile(c: Client, requestId: string) {
  const res = await download(c, `/api/refunds/${requestId}/case-file`);
  expect(res.status).toBe(200);
  const zip = await JSZip.loadAsync(res.body, { checkCRC32: true });
  const entries = new Map<string, Buffer>();
  for (const f of Object.values(zip.files)) if (!f.dir) entries.set(f.name, await f.async('nodebuffer'));
  const json = <T>(p: string) => JSON.parse(entries.get(p)!.toString('utf8')) as T;
  return {
    entries,
    manifest: json<Manifest>('manifest.json'),
    files: json<EvidenceFile[]>('records/evidence-files.json'),
    summary: entries.get('summary.html')!.toString('utf8'),
  };
}

describe('evidence images given to others', () => {
  it('lose location and device metadata for the merchant, support and their case files; the author gets the upload', async () => {
    const jpeg = await phoneJpeg();
    const png = await taggedPng();
    // The fixtures really carry what must be removed.
    expect(await exifr.gps(jpeg)).toMatchObject({ latitude: expect.any(Number) as number });
    expect(await metadataOf(jpeg)).toMatchObject({ Make: 'Apple', Model: 'iPhone 15 Pro' });
    expect(await metadataOf(png)).toMatchObject({ Make: 'Xiaomi' });

    const p = await stocked(h, 2, { policy: UNACTIVATED_REFUND });
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 1_000_000);
    const bought = await buy(b, p, 1);
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    const orderId = (bought.body as { id: string }).id;
    const files = await refs(b, [
      { name: 'IMG_4021.jpg', bytes: jpeg },
      { name: 'Screenshot_2026-01-04.png', bytes: png },
    ]);
    expect(files.map((f) => f.sha256)).toEqual([sha(jpeg), sha(png)]);
    const applied = await b.req<{ id: string }>(
      'POST',
      `/api/orders/${orderId}/refunds`,
      { reason: 'NOT_AS_DESCRIBED', description: '卡密充值提示无效，见截图', files },
      { 'idempotency-key': idem() },
    );
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    const requestId = applied.body.id;
    // The photo also goes into the order's conversation.
    const posted = await b.post(`/api/orders/${orderId}/messages`, {
      body: '现场照片',
      file: { sha256: sha(jpeg), name: 'IMG_4021.jpg' },
    });
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);

    const served = new Map<string, string>();
    const m = await merchantOf(h, p);
    const support = await h.loggedIn({ role: 'support' });
    for (const [original, label] of [
      [jpeg, 'jpeg'],
      [png, 'png'],
    ] as const) {
      const url = `/api/evidence/files/${sha(original)}?requestId=${requestId}`;
      // The author: exactly what was uploaded.
      const mine = await download(b, url);
      expect(mine.status).toBe(200);
      expect(mine.body.equals(original), label).toBe(true);
      for (const [c, who] of [
        [m, 'merchant'],
        [support, 'support'],
      ] as const) {
        const theirs = await download(c, url);
        expect(theirs.status, `${who} ${label}`).toBe(200);
        await expectClean(theirs.body, `${who} ${label}`);
        expect(sha(theirs.body)).not.toBe(sha(original));
        served.set(`${who} ${label}`, sha(theirs.body));
        expect(theirs.headers['x-content-sha256']).toBe(sha(theirs.body));
        // The same picture: pixels equal, and the photo still stands the right way up.
        expect((await pixels(theirs.body)).equals(await pixels(original)), `${who} ${label} pixels`).toBe(
          true,
        );
        if (label === 'jpeg') expect((await sharp(theirs.body).metadata()).orientation).toBe(6);
      }
      expect(mine.headers['x-content-sha256']).toBe(sha(original));
    }

    // Both derivations are recorded (at upload), each with its own hash: the copies everyone got.
    const recorded = await h.db.db
      .selectFrom('evidence_derivatives')
      .select(['sha256', 'derived_sha256', 'method'])
      .where('sha256', 'in', [sha(jpeg), sha(png)])
      .orderBy('sha256')
      .execute();
    expect(recorded).toHaveLength(2);
    const derivedOf = new Map(recorded.map((r) => [r.sha256, r.derived_sha256]));
    for (const r of recorded) {
      expect(r.method).toBe('METADATA_REMOVED');
      expect(r.derived_sha256).not.toBe(r.sha256);
    }

    for (const who of ['merchant', 'support'])
      for (const [original, label] of [
        [jpeg, 'jpeg'],
        [png, 'png'],
      ] as const)
        expect(served.get(`${who} ${label}`)).toBe(derivedOf.get(sha(original)));

    // The conversation attachment: the same rule.
    const attachment = `/api/orders/${orderId}/messages/files/${sha(jpeg)}`;
    expect((await download(b, attachment)).body.equals(jpeg)).toBe(true);
    const toMerchant = await download(m, attachment);
    expect(toMerchant.status).toBe(200);
    await expectClean(toMerchant.body, 'conversation');
    expect(sha(toMerchant.body)).toBe(derivedOf.get(sha(jpeg)));

    // The merchant's case file: the copies, named by their own hash, each tied to its original.
    const mz = await caseFile(m, requestId);
    const listed = new Map(mz.manifest.files.map((f) => [f.path, f.sha256]));
    for (const original of [jpeg, png]) {
      const entry = mz.files.find((f) => f.sha256 === sha(original))!;
      expect(entry).toMatchObject({
        fileSha256: derivedOf.get(sha(original)),
        derivation: 'METADATA_REMOVED',
      });
      expect(entry.path).toContain(entry.fileSha256);
      const inZip = mz.entries.get(entry.path)!;
      expect(sha(inZip)).toBe(entry.fileSha256);
      expect(listed.get(entry.path)).toBe(entry.fileSha256);
      await expectClean(inZip, `case file ${entry.path}`);
      expect(mz.manifest.derivedEvidence).toContainEqual({
        path: entry.path,
        sha256: entry.fileSha256,
        derivedFrom: sha(original),
        method: 'METADATA_REMOVED',
      });
      expect(mz.summary).toContain(entry.fileSha256);
      expect(mz.summary).toContain(sha(original));
    }
    expect(mz.manifest.notes.join(' ')).toMatch(/derived from/);
    // The records still name the originals (what the audit log and the request hold).
    const evidence = JSON.parse(mz.entries.get('records/evidence.json')!.toString('utf8')) as {
      sha256: string | null;
    }[];
    expect(evidence.map((e) => e.sha256)).toEqual(expect.arrayContaining([sha(jpeg), sha(png)]));

    // The buyer's case file: their own originals, byte for byte, nothing derived.
    const bz = await caseFile(b, requestId);
    for (const original of [jpeg, png]) {
      const entry = bz.files.find((f) => f.sha256 === sha(original))!;
      expect(entry).toMatchObject({ fileSha256: sha(original), derivation: null });
      expect(bz.entries.get(entry.path)!.equals(original)).toBe(true);
    }
    expect(bz.manifest.derivedEvidence).toEqual([]);
  });
});
