/**
 * The `kameng` binary (bin/kameng.js imports its build; `npm run kameng` runs it with tsx): one
 * command line on this process's arguments, environment and streams, then exit with its code.
 * The commands live in program.ts, which tests drive in-process; this file only runs.
 */
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
// Success ends when the work's handles are closed; a failure may leave some open (a half-made
// connection), so it exits at once, as it always has.
process.exitCode = code;
if (code !== 0) process.exit(code);
