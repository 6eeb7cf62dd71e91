/**
 * Reviewer signals for evidence files: hints shown beside a file, never verdicts. A screenshot
 * passed through Photoshop may be an honest crop; a blurry photo may still prove the point. The
 * reviewer decides; these only say where to look. A missing EXIF block is deliberately not a
 * signal: WeChat, QQ and most upload paths strip metadata, so it would fire on nearly everything.
 */
import exifr from 'exifr';
import sharp from 'sharp';
import type { Messages } from './errors.js';

// libvips' operation cache would keep decoded evidence in memory after the request; every upload
// is decoded once, so there is nothing to gain from it. (This module is sharp's only user.)
sharp.cache(false);

export type SignalCode = 'EDIT_SOFTWARE' | 'VERY_SMALL_IMAGE' | 'BLURRY';

export interface Signal {
  code: SignalCode;
  /** What was found: the software name, the size `W×H`, or the sharpness score. */
  value: string;
  messages: Messages;
}

// Editors and retouching apps. Camera firmware ("iOS 17.4", "HDR+ 1.0", "MIUI Camera") and
// viewers write Software tags too; they are left out so the signal means "passed through an editor".
const EDITORS: readonly { pattern: RegExp; name: string }[] = [
  { pattern: /photoshop/i, name: 'Adobe Photoshop' },
  { pattern: /lightroom/i, name: 'Adobe Lightroom' },
  { pattern: /illustrator/i, name: 'Adobe Illustrator' },
  { pattern: /\bgimp\b/i, name: 'GIMP' },
  { pattern: /snapseed/i, name: 'Snapseed' },
  { pattern: /美图|meitu|\bmtxx\b/i, name: '美图秀秀 Meitu' },
  { pattern: /picsart/i, name: 'PicsArt' },
  { pattern: /\bcanva\b/i, name: 'Canva' },
  { pattern: /pixelmator/i, name: 'Pixelmator' },
  { pattern: /affinity photo/i, name: 'Affinity Photo' },
  { pattern: /paint\.net/i, name: 'Paint.NET' },
  { pattern: /paint ?shop ?pro/i, name: 'PaintShop Pro' },
  { pattern: /photopea/i, name: 'Photopea' },
  { pattern: /pixlr/i, name: 'Pixlr' },
  { pattern: /fotor/i, name: 'Fotor' },
  { pattern: /醒图|hypic/i, name: '醒图 Hypic' },
  { pattern: /黄油相机/, name: '黄油相机' },
  { pattern: /facetune/i, name: 'Facetune' },
  { pattern: /photoscape/i, name: 'PhotoScape' },
  { pattern: /polarr/i, name: 'Polarr' },
  { pattern: /\bkrita\b/i, name: 'Krita' },
  { pattern: /coreldraw|corel photo-paint/i, name: 'Corel' },
];

/** The editor named by a metadata value, or undefined for cameras, phones and unknown tools. */
export function editorNamedIn(value: string): string | undefined {
  return EDITORS.find((e) => e.pattern.test(value))?.name;
}

function editSoftwareSignal(value: string): Signal {
  const v = value.length > 120 ? `${value.slice(0, 117)}...` : value;
  return {
    code: 'EDIT_SOFTWARE',
    value: v,
    messages: {
      'zh-CN': `文件元数据显示曾用编辑软件处理：${v}（仅供参考，裁剪、标注也会留下此记录）`,
      en: `The file's metadata names editing software: ${v} (a hint only; cropping or annotating leaves this too)`,
    },
  };
}

export function verySmallImageSignal(width: number, height: number): Signal {
  return {
    code: 'VERY_SMALL_IMAGE',
    value: `${width}×${height}`,
    messages: {
      'zh-CN': `图片很小（${width}×${height}），可能是缩略图或截取的片段，细节难以核实`,
      en: `The image is very small (${width}×${height}); it may be a thumbnail or a fragment, hard to verify`,
    },
  };
}

function blurrySignal(score: number): Signal {
  const s = score.toFixed(1);
  return {
    code: 'BLURRY',
    value: s,
    messages: {
      'zh-CN': `图片较模糊（清晰度 ${s}），文字或细节可能无法辨认`,
      en: `The image looks blurry (sharpness ${s}); text or details may be unreadable`,
    },
  };
}

function stringValues(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

/** Software named in an EXIF block (sharp hands it over with its `Exif\0\0` prefix). */
async function exifSoftware(exif: Buffer): Promise<string[]> {
  const tiff = exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? exif.subarray(6) : exif;
  try {
    const out: unknown = await exifr.parse(tiff, {
      tiff: true,
      exif: false,
      gps: false,
      interop: false,
      ifd1: false,
      xmp: false,
      icc: false,
      iptc: false,
      mergeOutput: true,
    });
    if (typeof out !== 'object' || out === null) return [];
    const o = out as Record<string, unknown>;
    return [...stringValues(o.Software), ...stringValues(o.ProcessingSoftware)];
  } catch {
    return []; // malformed EXIF is common and says nothing about the picture
  }
}

const XMP_TOOL =
  /(?:xmp:CreatorTool|stEvt:softwareAgent|photoshop:History)\s*(?:=\s*"([^"]{1,300})"|>([^<]{1,300})<)/g;

/** CreatorTool and history agents in an XMP packet (attribute or element form). */
export function xmpSoftware(xmp: string): string[] {
  const found: string[] = [];
  for (const m of xmp.matchAll(XMP_TOOL)) found.push((m[1] ?? m[2] ?? '').trim());
  return found.filter((s) => s.length > 0);
}

/** The first XMP packet embedded anywhere in the bytes (GIF and PDF carry it as plain text). */
export function findXmpPacket(bytes: Buffer): string | undefined {
  const start = bytes.indexOf('<x:xmpmeta');
  if (start < 0) return undefined;
  const end = bytes.indexOf('</x:xmpmeta>', start);
  if (end < 0) return undefined;
  return bytes.subarray(start, Math.min(end + 12, start + 256 * 1024)).toString('utf8');
}

function decodePdfLiteral(s: string): string {
  return s.replace(/\\([()\\])/g, '$1');
}

function decodePdfHex(hex: string): string {
  const b = Buffer.from(hex.replace(/\s+/g, ''), 'hex');
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
    const le = Buffer.from(b.subarray(2));
    le.swap16(); // UTF-16BE → LE, which Node decodes
    return le.toString('utf16le');
  }
  return b.toString('latin1');
}

/** The document information dictionary's Creator and Producer, plus any XMP CreatorTool. */
export function pdfSoftware(pdf: Buffer): string[] {
  const text = pdf.toString('latin1');
  const found: string[] = [];
  const re = /\/(?:Creator|Producer)\s*(?:\(((?:\\.|[^\\)]){1,300})\)|<([0-9A-Fa-f\s]{2,1200})>)/g;
  for (const m of text.matchAll(re)) {
    if (m[1] !== undefined) found.push(decodePdfLiteral(m[1]));
    else if (m[2] !== undefined && m[2].length % 2 === 0) found.push(decodePdfHex(m[2]));
  }
  const xmp = findXmpPacket(pdf);
  return xmp ? [...found, ...xmpSoftware(xmp)] : found;
}

function uniqueEditorSignals(values: readonly string[]): Signal[] {
  const seen = new Set<string>();
  const out: Signal[] = [];
  for (const v of values) {
    const editor = editorNamedIn(v);
    if (!editor || seen.has(editor)) continue;
    seen.add(editor);
    out.push(editSoftwareSignal(v));
  }
  return out;
}

export async function pdfSignals(pdf: Buffer): Promise<Signal[]> {
  return uniqueEditorSignals(pdfSoftware(pdf));
}

export interface ImageSignalOptions {
  /** sharp's own decode limit, the same as the header check (belt and braces). */
  maxPixels: number;
  /** Below this many pixels (width × height): VERY_SMALL_IMAGE. */
  smallImagePixels: number;
  /** Variance of the Laplacian over edge pixels below this: BLURRY. */
  blurThreshold: number;
}

/** Longest side of the copy the sharpness is measured on: cheap, and the size a reviewer sees. */
const BLUR_SIDE = 512;
/** A pixel is on an edge when a neighbour differs by more than this (JPEG noise stays below). */
const EDGE_STEP = 8;
/** Fewer edge pixels than this: nothing to judge (a blank page is not blurry). */
const MIN_EDGE_PIXELS = 200;

/**
 * Variance of the 4-neighbour Laplacian over the edge pixels of a grey image (one byte per
 * pixel). Sharp edges have large second derivatives; blurred ones have small ones. Counting only
 * edge pixels keeps the score independent of how much of the picture is content: a sharp chat
 * screenshot with three lines of text on white scores like a full one, where the plain variance
 * over all pixels called it blurry.
 */
export function edgeLaplacianVariance(
  grey: Uint8Array,
  width: number,
  height: number,
): { variance: number; edgePixels: number } {
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = 1; y < height - 1; y++) {
    const row = y * width;
    for (let x = 1; x < width - 1; x++) {
      const i = row + x;
      const c = grey[i];
      const up = grey[i - width];
      const down = grey[i + width];
      const left = grey[i - 1];
      const right = grey[i + 1];
      const step = Math.max(Math.abs(up - c), Math.abs(down - c), Math.abs(left - c), Math.abs(right - c));
      if (step <= EDGE_STEP) continue;
      const l = up + down + left + right - 4 * c;
      sum += l;
      sumSq += l * l;
      n++;
    }
  }
  if (n === 0) return { variance: 0, edgePixels: 0 };
  const mean = sum / n;
  return { variance: sumSq / n - mean * mean, edgePixels: n };
}

/** Decoded facts about an image; `sharp` throws on undecodable or over-limit input. */
export async function imageSignals(
  bytes: Buffer,
  width: number,
  height: number,
  opts: ImageSignalOptions,
): Promise<Signal[]> {
  // failOn 'error': a truncated or broken image is refused rather than half shown to a reviewer.
  const input = { limitInputPixels: opts.maxPixels, failOn: 'error', sequentialRead: true } as const;
  const meta = await sharp(bytes, input).metadata();
  const software: string[] = [];
  if (meta.exif) software.push(...(await exifSoftware(meta.exif)));
  const xmp = meta.xmp ? meta.xmp.toString('utf8') : findXmpPacket(bytes);
  if (xmp) software.push(...xmpSoftware(xmp));
  for (const c of meta.comments ?? []) if (/^software$/i.test(c.keyword)) software.push(c.text);
  const signals = uniqueEditorSignals(software);

  if (width * height < opts.smallImagePixels) signals.push(verySmallImageSignal(width, height));

  const { data, info } = await sharp(bytes, input)
    .flatten({ background: '#ffffff' })
    .resize(BLUR_SIDE, BLUR_SIDE, { fit: 'inside', withoutEnlargement: true })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const grey = info.channels === 1 ? data : data.filter((_, i) => i % info.channels === 0);
  const { variance, edgePixels } = edgeLaplacianVariance(grey, info.width, info.height);
  if (edgePixels >= MIN_EDGE_PIXELS && variance < opts.blurThreshold) signals.push(blurrySignal(variance));
  return signals;
}
