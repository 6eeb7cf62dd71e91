/** Evidence uploads over HTTP, as the web app sends them (multipart, one part per file). */
import { expect } from 'vitest';
import type { Client } from './app.js';

/** Uploads files and returns the references an application names (sha256 and name). */
export async function refs(c: Client, files: { name: string; bytes: Buffer }[]) {
  const res = await upload(c, files);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.files.map((f) => ({ sha256: f.sha256, name: f.name }));
}

export async function upload(c: Client, files: { name: string; bytes: Buffer }[]) {
  const boundary = `----km${Math.random().toString(16).slice(2)}`;
  const parts = files.map((f) =>
    Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${f.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      f.bytes,
      Buffer.from('\r\n'),
    ]),
  );
  const body = Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]);
  return c.req<{ files: { sha256: string; name: string }[]; code?: string }>(
    'POST',
    '/api/evidence/files',
    body,
    {
      'content-type': `multipart/form-data; boundary=${boundary}`,
    },
  );
}
