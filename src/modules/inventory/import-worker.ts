/** Worker side of import-pool.ts: parse and encrypt a key file, chunk by chunk, with backpressure. */
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { encodeChunks } from './import-encode.js';
import type { WorkerInput, WorkerMessage } from './import-pool.js';

const MAX_IN_FLIGHT = 2;
const port = parentPort!;
const input = workerData as WorkerInput;
let inFlight = 0;
let release: (() => void) | null = null;
port.on('message', () => {
  inFlight--;
  release?.();
});

const send = (m: WorkerMessage): void => port.postMessage(m);

try {
  const clock = () => new Date(Date.now() + input.clockOffsetMs);
  const stream = createReadStream(input.file, { highWaterMark: 256 * 1024 });
  // Keys arrive as Uint8Arrays after cloning; the crypto code wants Buffers.
  const params = {
    ...input.params,
    hmacKey: Buffer.from(input.params.hmacKey),
    dataKey: Buffer.from(input.params.dataKey),
  };
  for await (const chunk of encodeChunks(stream, params, clock)) {
    while (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => (release = r));
    release = null;
    inFlight++;
    send({ type: 'chunk', chunk });
  }
  send({ type: 'done' });
} catch (error) {
  const e = error as { code?: unknown; message?: unknown };
  // codes and messages only: parse errors never carry file content
  send({
    type: 'error',
    code: typeof e.code === 'string' ? e.code : 'inventory.import_failed',
    message: String(e.message),
  });
}
port.close();
