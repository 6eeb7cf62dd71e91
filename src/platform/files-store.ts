/**
 * Content-addressed evidence store: a file's name is the SHA-256 of its bytes, so the same
 * screenshot attached to three requests is stored once, and a stored file can always be checked
 * against its name. An S3-compatible implementation (`@aws-sdk/client-s3`, key `ab/cd/<sha256>`,
 * `PutObject` with `ChecksumSHA256`, idempotent by nature) fits the same interface; it is for
 * several app instances and is not needed while files live on one disk.
 */
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { fail } from './errors.js';
import { randomToken } from './ids.js';

/** SHA-256 of raw bytes, lowercase hex: a file's identity in the store. */
export const sha256Bytes = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export interface FileStore {
  /** Stores the bytes (once per content) and returns their SHA-256, lowercase hex. */
  put(bytes: Buffer): Promise<string>;
  /** The bytes, verified against the hash; null when absent. Throws `evidence.corrupted`. */
  get(sha256: string): Promise<Buffer | null>;
  has(sha256: string): Promise<boolean>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const TEMP_SUFFIX = '.tmp';

/** Anything that is not a SHA-256 in hex cannot name a stored file (and cannot escape the root). */
export const isSha256 = (s: string): boolean => SHA256_HEX.test(s);

const isNotFound = (err: unknown): boolean =>
  err instanceof Error && 'code' in err && (err as NodeJS.ErrnoException).code === 'ENOENT';

/** Files under `<root>/ab/cd/<sha256>`: two levels of 256 keep directories small. */
export class DiskFileStore implements FileStore {
  constructor(readonly root: string) {}

  /** The store of a configured data directory: `<dataDir>/evidence`. */
  static forDataDir(dataDir: string): DiskFileStore {
    return new DiskFileStore(path.join(dataDir, 'evidence'));
  }

  pathFor(sha256: string): string {
    return path.join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(bytes: Buffer): Promise<string> {
    const sha256 = sha256Bytes(bytes);
    const final = this.pathFor(sha256);
    const existing = await stat(final).catch(() => undefined);
    // Same name means same content; a size mismatch means a damaged copy, which is replaced.
    if (existing?.isFile() && existing.size === bytes.length) return sha256;

    const dir = path.dirname(final);
    await mkdir(dir, { recursive: true });
    // Written under a temporary name in the same directory, flushed, then renamed: rename is
    // atomic on one file system, so a crash leaves either no file or the whole file, never part.
    const temp = path.join(dir, `.${sha256}.${randomToken(9)}${TEMP_SUFFIX}`);
    try {
      const fh = await open(temp, 'wx', 0o640);
      try {
        await fh.writeFile(bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(temp, final);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    await syncDir(dir);
    return sha256;
  }

  async get(sha256: string): Promise<Buffer | null> {
    if (!isSha256(sha256)) return null;
    let bytes: Buffer;
    try {
      bytes = await readFile(this.pathFor(sha256));
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
    if (sha256Bytes(bytes) !== sha256) fail('evidence.corrupted', { params: { sha256 } });
    return bytes;
  }

  async has(sha256: string): Promise<boolean> {
    if (!isSha256(sha256)) return false;
    const s = await stat(this.pathFor(sha256)).catch(() => undefined);
    return s?.isFile() ?? false;
  }

  /**
   * Removes temporary files older than `maxAgeMs` (left by a crash between write and rename);
   * younger ones may belong to a write in progress. Returns how many were removed.
   */
  async removeStaleTemp(nowMs: number, maxAgeMs = 60 * 60 * 1000): Promise<number> {
    let removed = 0;
    for (const a of await listDir(this.root)) {
      for (const b of await listDir(path.join(this.root, a))) {
        const dir = path.join(this.root, a, b);
        for (const f of await listDir(dir)) {
          if (!f.endsWith(TEMP_SUFFIX)) continue;
          const p = path.join(dir, f);
          const s = await stat(p).catch(() => undefined);
          if (s && nowMs - s.mtimeMs > maxAgeMs) {
            await rm(p, { force: true });
            removed++;
          }
        }
      }
    }
    return removed;
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isNotFound(err) || (err instanceof Error && (err as NodeJS.ErrnoException).code === 'ENOTDIR'))
      return [];
    throw err;
  }
}

/** Makes the rename itself durable; some file systems refuse to fsync a directory (ignored). */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // best effort
  }
}
