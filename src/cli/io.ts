/** What one run of the `kameng` CLI reads and writes: the process's own, or what a test hands it. */

/**
 * An output stream: process.stdout/stderr, or any Writable a test collects. `isTTY` decides
 * whether the key-import progress bar is drawn (cli-progress writes its escape codes only to a terminal).
 */
export type CliStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export interface CliIo {
  /** The environment the configuration is read from (DATABASE_URL, KAMENG_DATA_DIR …). */
  env: NodeJS.ProcessEnv;
  /** Results: one line per fact, as scripts read them. */
  stdout: CliStream;
  /** Errors, usage and the progress bar. */
  stderr: CliStream;
}
