/**
 * The import's worker-thread pool (Piscina) and the ordered pipeline over it. The main thread
 * parses the file and writes the database; hashing and AES-GCM run in the pool, TASK_KEYS keys a
 * task, results transferred as one buffer. Chunks are encrypted ahead of the writer (at most
 * `depth` chunks in flight), so memory stays bounded whatever the file size, and they come back
 * in file order.
 */
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import {
  decodeChunk,
  encodeTask,
  taskOf,
  TASK_KEYS,
  type EncodeParams,
  type EncodeTask,
  type EncodedChunk,
  type EncodedTask,
  type ParsedChunk,
} from './import-encode.js';

/** What the pipeline needs of a pool (a seam for tests that make a task fail). */
export interface TaskRunner {
  run(task: EncodeTask, options: { signal: AbortSignal }): Promise<EncodedTask>;
}

const here = import.meta.url;
/**
 * Under tsx or Vitest this module is TypeScript: the worker entry is the .ts file and the worker
 * threads load it through tsx's loader. From the build (dist/server, tsconfig.build.json keeps
 * src's layout) it is the compiled .js beside this file.
 */
export const workerIsSource = here.endsWith('.ts');
export const workerFile = new URL(workerIsSource ? './import-worker.ts' : './import-worker.js', here);

/** Threads: one fewer than the cores (the main thread writes), at least one; KAMENG_IMPORT_THREADS overrides. */
export function importThreads(env: NodeJS.ProcessEnv = process.env): number {
  const set = Number(env.KAMENG_IMPORT_THREADS);
  if (Number.isInteger(set) && set >= 1) return Math.min(set, 64);
  return Math.max(1, availableParallelism() - 1);
}

let shared: Piscina | null = null;

/**
 * The process's pool, started on first use. Threads start on demand and end after a few idle
 * seconds (an idle thread never keeps the process alive); `closeImportPool` ends them at shutdown.
 */
export function importPool(): Piscina {
  shared ??= new Piscina({
    filename: workerFile.href,
    maxThreads: importThreads(),
    minThreads: 0,
    idleTimeout: 5_000,
    // Tasks are posted to a thread ahead of time and run there one after another: Piscina hands
    // out a thread's next task on the main thread, which is busy writing (SQLite is synchronous),
    // so with one task per thread the threads would idle during every write.
    concurrentTasksPerWorker: 16,
    // Each task holds a few MB; a small heap makes V8 collect instead of growing the process.
    resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 },
    ...(workerIsSource
      ? { execArgv: ['--import', pathToFileURL(createRequire(here).resolve('tsx')).href] }
      : {}),
  });
  return shared;
}

/** Ends the pool's threads (server shutdown, end of a CLI import); the next import starts a new one. */
export async function closeImportPool(): Promise<void> {
  const pool = shared;
  shared = null;
  await pool?.destroy();
}

const piscinaRunner = (): TaskRunner => ({
  run: (task, { signal }) => importPool().run(task, { signal }) as Promise<EncodedTask>,
});

/**
 * Encrypts parsed chunks in the pool and yields them in order. A chunk with fewer than TASK_KEYS
 * keys (a small upload, the tail of a file) is encoded in-process: no thread is started for it.
 * If the input fails, the chunks read before the failure are still yielded, then the error is
 * thrown; if a task fails, its chunk is never yielded (so never half-written) and the error is
 * thrown. When the consumer stops early, tasks still queued are aborted.
 */
export async function* encodeParallel(
  parsed: AsyncIterable<ParsedChunk>,
  params: EncodeParams,
  options: { runner?: TaskRunner; depth?: number } = {},
): AsyncGenerator<EncodedChunk> {
  const depth = options.depth ?? 2;
  // One controller per chunk: a signal shared by many tasks would collect more listeners than
  // Node allows without a warning.
  const controllers = new Set<AbortController>();
  let runner: TaskRunner | undefined = options.runner;
  const pending: Promise<EncodedChunk>[] = [];
  const submit = (c: ParsedChunk): Promise<EncodedChunk> => {
    if (c.ids.length < TASK_KEYS) {
      const results = c.ids.length === 0 ? [] : [encodeTask(taskOf(c, 0, c.ids.length, params))];
      return Promise.resolve(decodeChunk(c, results, params));
    }
    runner ??= piscinaRunner();
    const abort = new AbortController();
    controllers.add(abort);
    const tasks: Promise<EncodedTask>[] = [];
    for (let from = 0; from < c.ids.length; from += TASK_KEYS) {
      const task = taskOf(c, from, Math.min(from + TASK_KEYS, c.ids.length), params);
      tasks.push(runner.run(task, { signal: abort.signal }));
    }
    const done = Promise.all(tasks).then((results) => {
      controllers.delete(abort);
      return decodeChunk(c, results, params);
    });
    done.catch(() => undefined); // awaited in order below; never an unhandled rejection meanwhile
    return done;
  };
  const it = parsed[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<ParsedChunk>;
      try {
        next = await it.next();
      } catch (inputError) {
        // The chunks read whole before the input failed are written, as without the pool.
        while (pending.length > 0) yield await pending.shift()!;
        throw inputError;
      }
      if (next.done) break;
      pending.push(submit(next.value));
      while (pending.length > depth) yield await pending.shift()!;
    }
    while (pending.length > 0) yield await pending.shift()!;
  } finally {
    for (const c of controllers) c.abort();
    await it.return?.();
  }
}
