/**
 * Runs `encodeChunks` for a file in a worker thread and hands the chunks back as an async
 * generator. Parsing, hashing and encryption then use the second core while the main thread
 * writes the previous chunk; at most two chunks are in flight, so memory stays bounded.
 */
import { Worker } from 'node:worker_threads';
import type { EncodeParams, EncodedChunk } from './import-encode.js';

export type WorkerMessage =
  | { type: 'chunk'; chunk: EncodedChunk }
  | { type: 'done' }
  | { type: 'error'; code: string; message: string };

export interface WorkerInput {
  file: string;
  params: EncodeParams;
  /** The injected clock's offset from the system clock, so row times follow the platform clock. */
  clockOffsetMs: number;
}

const here = import.meta.url;
// Under tsx/vitest this module is TypeScript: the worker then needs tsx's loader too.
const isTs = here.endsWith('.ts');
const workerUrl = new URL(isTs ? './import-worker.ts' : './import-worker.js', here);

/**
 * The worker holds one file buffer and at most two chunks: a small heap is plenty, and without a
 * limit V8 lets garbage grow the process well past the import's 300 MB budget before collecting.
 */
const LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 };

export async function* encodeInWorker(
  file: string,
  params: EncodeParams,
  clockOffsetMs = 0,
): AsyncGenerator<EncodedChunk> {
  const input: WorkerInput = { file, params, clockOffsetMs };
  // Under tsx/vitest the worker first registers tsx's loader, then imports the TypeScript entry.
  const worker = isTs
    ? new Worker(
        `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(workerUrl.href)}); })`,
        { eval: true, workerData: input, resourceLimits: LIMITS },
      )
    : new Worker(workerUrl, { workerData: input, resourceLimits: LIMITS });
  const queue: WorkerMessage[] = [];
  let wake: (() => void) | null = null;
  let failure: Error | null = null;
  worker.on('message', (m: WorkerMessage) => {
    queue.push(m);
    wake?.();
  });
  worker.on('error', (e) => {
    failure = e;
    wake?.();
  });
  worker.on('exit', (code) => {
    // Any exit before `done` is a failure, whatever the exit code: never wait forever.
    if (!failure) failure = new Error(`import worker exited (code ${code}) before finishing`);
    wake?.();
  });
  try {
    for (;;) {
      while (queue.length === 0 && !failure) await new Promise<void>((r) => (wake = r));
      wake = null;
      // messages sent before the worker exited are still delivered first
      const m = queue.shift();
      if (!m) throw failure ?? new Error('import worker stopped');
      if (m.type === 'done') return;
      if (m.type === 'error') throw Object.assign(new Error(m.message), { code: m.code });
      yield asBuffers(m.chunk);
      worker.postMessage('ack'); // the chunk is written: the worker may run ahead by one more
    }
  } finally {
    await worker.terminate();
  }
}

/** Structured cloning turns Buffers into Uint8Arrays; the drivers bind only Buffers as binary. */
const buf = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
function asBuffers(chunk: EncodedChunk): EncodedChunk {
  for (const r of chunk.rows) {
    r[7] = buf(r[7]);
    r[8] = buf(r[8]);
    r[10] = buf(r[10]);
  }
  return chunk;
}
