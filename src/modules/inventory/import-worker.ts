/**
 * Worker side of import-pool.ts (a Piscina task): hashes, masks and encrypts one task of keys and
 * hands the result back with its buffers transferred, not copied. No database, no file access.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { encodeTask, type EncodeTask } from './import-encode.js';

export default function encode(task: EncodeTask): unknown {
  const result = encodeTask(task);
  // Both typed arrays own their ArrayBuffers: move them to the main thread with the result.
  return move({
    [transferableSymbol]: [result.offsets.buffer, result.data.buffer],
    [valueSymbol]: result,
  });
}
