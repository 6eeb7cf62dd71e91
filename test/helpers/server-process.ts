/**
 * Real server processes for tests (the way test/integration/crash.test.ts runs one): `node
 * dist/server/server.js` when a build newer than the sources exists, otherwise `tsx src/server.ts`,
 * on port 0, started when its banner shows the port. And an HTTP client with its own session,
 * CSRF token and (behind KAMENG_TRUST_PROXY=1) its own client address, pointed at any instance.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
const BUILT = path.join(ROOT, 'dist/server/server.js');
export const useBuild = existsSync(BUILT) && statSync(BUILT).mtimeMs >= newest(path.join(ROOT, 'src'));

export const entry = (what: 'server' | 'cli'): string[] =>
  useBuild
    ? [path.join(ROOT, what === 'server' ? 'dist/server/server.js' : 'dist/server/cli/main.js')]
    : ['--import', 'tsx', path.join(ROOT, what === 'server' ? 'src/server.ts' : 'src/cli/main.ts')];

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  base: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  stop(): Promise<void>;
}

/** The environment a test server gets: only what it is given (plus PATH and HOME). */
export const processEnv = (env: Record<string, string>): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  PORT: '0',
  LOG_LEVEL: 'warn',
  ...env,
});

export function startServer(
  env: Record<string, string>,
  /** Told of the process as soon as it is spawned (a suite that kills whatever is left at its end). */
  onSpawn?: (child: ChildProcess) => void,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, entry('server'), { cwd: ROOT, env: processEnv(env) });
  onSpawn?.(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 90_000);
    child.stdout.on('data', () => {
      const m = /Listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (m && out.includes('API docs')) {
        clearTimeout(timer);
        const port = Number(m[1]);
        resolve({
          child,
          port,
          base: `http://127.0.0.1:${port}`,
          exited,
          output: () => out,
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening:\n${out}`));
    });
  });
}

/** Runs a CLI command; resolves with its exit code and output. */
export function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [...entry('cli'), ...args], { cwd: ROOT, env: processEnv(env) });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

export interface Answer<T> {
  status: number;
  body: T;
  headers: Headers;
  bytes: Buffer;
}

/** One user agent: its session cookie and CSRF token, sent to whichever instance is asked. */
export class HttpClient {
  cookie = '';
  csrf = '';
  /** The client's address as the proxy reports it (X-Forwarded-For), when set. */
  constructor(readonly address?: string) {}

  async req<T = Record<string, unknown>>(
    base: string,
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer<T>> {
    const h: Record<string, string> = { ...headers };
    if (this.address) h['x-forwarded-for'] = this.address;
    if (this.cookie) h.cookie = this.cookie;
    if (this.csrf && method !== 'GET') h['x-csrf-token'] = this.csrf;
    let payload: string | Buffer | undefined;
    if (Buffer.isBuffer(body)) payload = body;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      h['content-type'] = 'application/json';
    }
    const res = await fetch(`${base}${url}`, {
      method,
      headers: h,
      body: payload,
      signal: AbortSignal.timeout(20_000),
    });
    const sid = res.headers.getSetCookie().find((c) => c.startsWith('kameng_sid='));
    if (sid) this.cookie = sid.split(';')[0];
    const bytes = Buffer.from(await res.arrayBuffer());
    const text = bytes.toString('utf8');
    const parsed: unknown =
      /json/.test(res.headers.get('content-type') ?? '') && text ? JSON.parse(text) : text;
    return { status: res.status, body: parsed as T, headers: res.headers, bytes };
  }

  async login(base: string, username: string, password: string): Promise<void> {
    const r = await this.req<{ csrfToken: string }>(base, 'POST', '/api/auth/login', { username, password });
    if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${JSON.stringify(r.body)}`);
    this.csrf = r.body.csrfToken;
  }
}
