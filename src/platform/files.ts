/**
 * Evidence files for refund applications and order conversations: what may be uploaded, checked
 * by content and never by the name the client sends. Inspection runs before anything is stored,
 * so a refused upload leaves nothing behind. The content-addressed store is in files-store.ts,
 * the reviewer signals in files-signals.ts; this file is the entry that exports both.
 *
 * Accepted: PNG (and APNG), JPEG, GIF, WebP, PDF, and UTF-8 plain-text chat logs. Whoever serves
 * a file back must use the `mime` found here with `X-Content-Type-Options: nosniff` and
 * `Content-Disposition: attachment` for PDF and text (a PDF can carry script; a text file can
 * look like HTML to a browser that sniffs).
 */
import { fileTypeFromBuffer } from 'file-type';
import { imageSize } from 'image-size';
import { DomainError, fail } from './errors.js';
import { imageSignals, pdfSignals, type Signal } from './files-signals.js';
import { sha256Bytes } from './files-store.js';

export type { Signal, SignalCode } from './files-signals.js';
export { DiskFileStore, isSha256, sha256Bytes, type FileStore } from './files-store.js';

export type EvidenceKind = 'image' | 'pdf' | 'text';
export type EvidenceMime =
  'image/png' | 'image/apng' | 'image/jpeg' | 'image/gif' | 'image/webp' | 'application/pdf' | 'text/plain';

export interface Inspection {
  sha256: string;
  mime: EvidenceMime;
  /** The extension the content calls for (a PNG named `x.jpg` is `png`). */
  ext: string;
  size: number;
  kind: EvidenceKind;
  /** The declared name made safe to show (no path, no control characters, at most 120 chars). */
  name: string;
  width?: number;
  height?: number;
  signals: Signal[];
}

export interface UploadLimits {
  maxImageBytes: number;
  maxPdfBytes: number;
  maxTextBytes: number;
  /** width × height from the header; a decompression bomb declares far more. */
  maxImagePixels: number;
  /** Longest side accepted (JPEG's own limit; long phone screenshots stay far below it). */
  maxImageSide: number;
  /** Files per submission (a refund application, one conversation message). */
  maxFiles: number;
  /** All files of one submission together. */
  maxTotalBytes: number;
  /** Images with fewer pixels than this get VERY_SMALL_IMAGE (200 × 200). */
  smallImagePixels: number;
  /** Laplacian variance over the edges of the 512-px grey copy below which an image is BLURRY. */
  blurThreshold: number;
}

const MiB = 1024 * 1024;

export const defaultUploadLimits: Readonly<UploadLimits> = Object.freeze({
  maxImageBytes: 10 * MiB,
  maxPdfBytes: 10 * MiB,
  maxTextBytes: 1 * MiB,
  maxImagePixels: 40_000_000,
  maxImageSide: 65_535,
  maxFiles: 9,
  maxTotalBytes: 50 * MiB,
  smallImagePixels: 200 * 200,
  // Measured here on the 512-px copy: sharp text ~34,000, text blurred but legible ~2,300,
  // unreadable ~230; a hard edge blurred σ=2 ~215; a soft photo ~900, blurred σ=4 ~50.
  blurThreshold: 300,
});

function withDefaults(limits: Partial<UploadLimits> | undefined): UploadLimits {
  return { ...defaultUploadLimits, ...limits };
}

export function formatBytes(n: number): string {
  if (n >= MiB) return `${Number((n / MiB).toFixed(1))} MiB`;
  if (n >= 1024) return `${Number((n / 1024).toFixed(1))} KiB`;
  return `${n} B`;
}

// Control characters, and the bidi overrides (U+202E) that show `photo<RLO>gnp.exe` as `photoexe.png`.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_IN_NAME = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Basename only, control and bidi characters removed, trimmed to 120 characters. */
export function safeDisplayName(declared: string): string {
  const base = declared.replace(/\\/g, '/').split('/').pop() ?? '';
  const clean = base.replace(UNSAFE_IN_NAME, '').trim();
  if (clean.length === 0) return 'file';
  return [...clean].slice(0, 120).join('');
}

function declaredExt(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

const ALLOWED = new Map<string, { mime: EvidenceMime; kind: 'image' | 'pdf' }>([
  ['png', { mime: 'image/png', kind: 'image' }],
  ['apng', { mime: 'image/apng', kind: 'image' }],
  ['jpg', { mime: 'image/jpeg', kind: 'image' }],
  ['gif', { mime: 'image/gif', kind: 'image' }],
  ['webp', { mime: 'image/webp', kind: 'image' }],
  ['pdf', { mime: 'application/pdf', kind: 'pdf' }],
]);

/** Names a text file may carry: chat logs are exported as .txt; no extension is tolerated. */
const TEXT_EXTS = new Set(['txt', 'log', '']);

const KIND_LABEL: Record<EvidenceKind, { zh: string; en: string }> = {
  image: { zh: '图片', en: 'images' },
  pdf: { zh: 'PDF', en: 'PDF files' },
  text: { zh: '文本', en: 'text files' },
};

function limitFor(kind: EvidenceKind, l: UploadLimits): number {
  switch (kind) {
    case 'image':
      return l.maxImageBytes;
    case 'pdf':
      return l.maxPdfBytes;
    case 'text':
      return l.maxTextBytes;
  }
}

function checkSize(size: number, kind: EvidenceKind, name: string, l: UploadLimits): void {
  const limit = limitFor(kind, l);
  if (size > limit) {
    fail('evidence.too_large', {
      params: { name, size: formatBytes(size), kind: KIND_LABEL[kind], limit: formatBytes(limit) },
    });
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

type TextProblem = { code: 'evidence.text_not_utf8' } | { code: 'evidence.text_binary'; line: number };

/**
 * A chat log must be UTF-8 with no control characters but tab, CR and LF: NUL or other C0/C1
 * controls mean binary data that no sniffer recognised.
 */
function textProblem(bytes: Buffer): TextProblem | undefined {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { code: 'evidence.text_not_utf8' };
  }
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.exec(text);
  if (bad) return { code: 'evidence.text_binary', line: text.slice(0, bad.index).split('\n').length };
  return undefined;
}

/** Width and height from the header alone, before any decoder sees the pixels. */
function headerDimensions(bytes: Buffer, name: string, l: UploadLimits): { width: number; height: number } {
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = imageSize(bytes));
  } catch {
    return fail('evidence.unreadable', { params: { name } });
  }
  if (!width || !height) return fail('evidence.unreadable', { params: { name } });
  if (width > l.maxImageSide || height > l.maxImageSide || width * height > l.maxImagePixels) {
    const limit =
      width > l.maxImageSide || height > l.maxImageSide
        ? `${l.maxImageSide} px`
        : `${l.maxImagePixels / 1_000_000} MP`;
    fail('evidence.image_bomb', { params: { name, width, height, limit } });
  }
  return { width, height };
}

/** sharp's own refusals, translated: its pixel limit is a bomb, anything else is unreadable. */
function decodeFailure(err: unknown, name: string, width: number, height: number, l: UploadLimits): never {
  if (err instanceof DomainError) throw err;
  const message = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(message)) {
    fail('evidence.image_bomb', {
      params: { name, width, height, limit: `${l.maxImagePixels / 1_000_000} MP` },
    });
  }
  return fail('evidence.unreadable', { params: { name } });
}

/**
 * Checks one upload by its content. Throws a DomainError (`evidence.*`) for anything refused;
 * returns the facts to store and the signals to show the reviewer.
 */
export async function inspectUpload(
  bytes: Buffer,
  declaredName: string,
  limits?: Partial<UploadLimits>,
): Promise<Inspection> {
  const l = withDefaults(limits);
  const name = safeDisplayName(declaredName);
  const size = bytes.length;
  if (size === 0) fail('evidence.empty', { params: { name } });
  // Before sniffing: nothing larger than the largest per-kind limit is worth reading.
  const largest = Math.max(l.maxImageBytes, l.maxPdfBytes, l.maxTextBytes);
  if (size > largest) {
    fail('evidence.too_large', {
      params: {
        name,
        size: formatBytes(size),
        kind: { zh: '任何文件', en: 'any file' },
        limit: formatBytes(largest),
      },
    });
  }

  const detected = await fileTypeFromBuffer(bytes);
  const allowed = detected && ALLOWED.get(detected.ext);
  const declaredText = TEXT_EXTS.has(declaredExt(name));
  if (detected === undefined || (!allowed && declaredText)) {
    // Magic numbers are short: a chat log opening with "BMW" sniffs as a BMP, "MZ" as an .exe.
    // A file named as text that is clean UTF-8 is text whatever it starts with; it is only ever
    // served as text/plain. Real executables and archives hold NULs and fail this check.
    if (!declaredText) {
      const ext = declaredExt(name);
      fail('evidence.type_not_allowed', {
        params: {
          name,
          detected: { zh: `无法识别的内容（扩展名 .${ext}）`, en: `unrecognised content (named .${ext})` },
        },
      });
    }
    const problem = textProblem(bytes);
    if (problem && detected) {
      fail('evidence.type_not_allowed', { params: { name, detected: `${detected.ext} (${detected.mime})` } });
    }
    checkSize(size, 'text', name, l);
    if (problem?.code === 'evidence.text_binary') {
      fail(problem.code, { params: { name, line: problem.line } });
    }
    if (problem) fail(problem.code, { params: { name } });
    const sha256 = sha256Bytes(bytes);
    return { sha256, mime: 'text/plain', ext: 'txt', size, kind: 'text', name, signals: [] };
  }
  if (!allowed) {
    fail('evidence.type_not_allowed', { params: { name, detected: `${detected.ext} (${detected.mime})` } });
  }
  checkSize(size, allowed.kind, name, l);
  const sha256 = sha256Bytes(bytes);

  if (allowed.kind === 'pdf') {
    const signals = await pdfSignals(bytes);
    return { sha256, mime: allowed.mime, ext: detected.ext, size, kind: 'pdf', name, signals };
  }

  const { width, height } = headerDimensions(bytes, name, l);
  let signals: Signal[];
  try {
    signals = await imageSignals(bytes, width, height, {
      maxPixels: l.maxImagePixels,
      smallImagePixels: l.smallImagePixels,
      blurThreshold: l.blurThreshold,
    });
  } catch (err) {
    decodeFailure(err, name, width, height, l);
  }
  return { sha256, mime: allowed.mime, ext: detected.ext, size, kind: 'image', name, width, height, signals };
}

/**
 * Count and total-size limits of one submission, checked before any file is inspected (a route
 * can call it as parts arrive). Accepts Buffers or anything with a `size`.
 */
export function checkBatch(
  files: ReadonlyArray<Uint8Array | { readonly size: number }>,
  limits?: Partial<UploadLimits>,
): void {
  const l = withDefaults(limits);
  if (files.length > l.maxFiles) {
    fail('evidence.too_many', { params: { max: l.maxFiles, count: files.length } });
  }
  const total = files.reduce((sum, f) => sum + ('size' in f ? f.size : f.length), 0);
  if (total > l.maxTotalBytes) {
    fail('evidence.total_too_large', {
      params: { size: formatBytes(total), limit: formatBytes(l.maxTotalBytes) },
    });
  }
}

/**
 * A whole submission: the batch limits, then each file in turn (one at a time, so one bad file
 * does not leave others decoding on the two cores). A refusal names the file as `files[i]`.
 */
export async function inspectBatch(
  files: ReadonlyArray<{ bytes: Buffer; name: string }>,
  limits?: Partial<UploadLimits>,
): Promise<Inspection[]> {
  checkBatch(
    files.map((f) => f.bytes),
    limits,
  );
  const out: Inspection[] = [];
  for (const [i, f] of files.entries()) {
    try {
      out.push(await inspectUpload(f.bytes, f.name, limits));
    } catch (err) {
      if (err instanceof DomainError)
        throw new DomainError(err.code, { ...err.options, field: `files[${i}]` });
      throw err;
    }
  }
  return out;
}
