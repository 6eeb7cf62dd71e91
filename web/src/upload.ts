import { ApiError, errorFromBody, getCsrfToken, networkError } from './api';
import type { ResponseOf } from './api/contract';
import { currentLang } from './i18n';
import en from './i18n/en';
import zhCN from './i18n/zh-CN';
import type { ImportBatch, ImportFormat, Messages, UploadedEvidence } from './types';

export interface UploadProgress {
  loaded: number;
  total: number;
}

/** An upload under way: its answer, and a way to stop it. */
export interface Upload<T> {
  promise: Promise<T>;
  abort: () => void;
}

export type UploadHandle = Upload<ImportBatch>;

export const UPLOAD_ABORTED = 'UPLOAD_ABORTED' as const;

/**
 * The multipart routes and their answers as the contract types them (their multipart bodies are
 * built here: the route schemas do not describe them).
 */
interface UploadAnswers {
  '/api/merchant/products/{id}/imports': ResponseOf<'/api/merchant/products/{id}/imports', 'post'>;
  '/api/evidence/files': ResponseOf<'/api/evidence/files', 'post'>;
}
type UploadPath = keyof UploadAnswers;

/** `path` with each `{name}` replaced by its encoded parameter. */
const fillPath = (path: string, params: Record<string, string>): string =>
  path.replace(/\{(\w+)\}/g, (whole, name: string) =>
    params[name] === undefined ? whole : encodeURIComponent(params[name]),
  );

const both = (pick: (m: typeof zhCN) => string): Messages => ({ 'zh-CN': pick(zhCN), en: pick(en) });

/** Our own wording for upload failures the server may answer without localized messages. */
function fallbackFor(status: number): Messages | undefined {
  if (status === 413) return both((m) => m.importer.tooLarge);
  if (status === 415) return both((m) => m.importer.notText);
  return undefined;
}

/**
 * POST one file as multipart/form-data (the `fields` first, then `file`), by XMLHttpRequest rather
 * than fetch, for upload progress. A failure is a problem, worded by `fallback` for statuses the
 * server may answer without localized messages; `read` takes the answer as the contract types it
 * (and throws if it is not what was expected).
 */
function postFile<P extends UploadPath, T>(
  path: P,
  pathParams: Record<string, string>,
  file: File,
  fields: Record<string, string>,
  onProgress: (p: UploadProgress) => void,
  fallback: (status: number) => Messages | undefined,
  read: (answer: UploadAnswers[P]) => T,
): Upload<T> {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<T>((resolve, reject) => {
    xhr.open('POST', fillPath(path, pathParams));
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json');
    xhr.setRequestHeader('Accept-Language', currentLang());
    const token = getCsrfToken();
    if (token) xhr.setRequestHeader('x-csrf-token', token);
    xhr.upload.onprogress = (e) => {
      onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    };
    xhr.onload = () => {
      if (xhr.status < 200 || xhr.status >= 300) {
        reject(errorFromBody(xhr.status, xhr.responseText, fallback(xhr.status)));
        return;
      }
      try {
        // A 2xx answer is the contract's, as openapi-fetch takes every other answer of the client.
        resolve(read(JSON.parse(xhr.responseText) as UploadAnswers[P]));
      } catch {
        reject(errorFromBody(xhr.status, ''));
      }
    };
    xhr.onerror = () => reject(networkError());
    xhr.onabort = () =>
      reject(
        new ApiError(
          0,
          UPLOAD_ABORTED,
          both((m) => m.importer.uploadCancelled),
        ),
      );
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    body.append('file', file, file.name);
    xhr.send(body);
  });
  return { promise, abort: () => xhr.abort() };
}

/**
 * POST /merchant/products/:id/imports as multipart/form-data (`format` first, then `file`).
 * Resolves with the 202 batch.
 */
export function uploadImport(
  productId: string,
  file: File,
  format: ImportFormat,
  onProgress: (p: UploadProgress) => void,
): UploadHandle {
  return postFile(
    '/api/merchant/products/{id}/imports',
    { id: productId },
    file,
    { format },
    onProgress,
    fallbackFor,
    (batch): ImportBatch => batch,
  );
}

export type EvidenceUploadHandle = Upload<UploadedEvidence>;

/** Our wording for evidence-upload failures the server may answer without localized messages. */
function evidenceFallbackFor(status: number): Messages | undefined {
  if (status === 413) return both((m) => m.aftersales.upload.tooLarge);
  if (status === 415) return both((m) => m.aftersales.upload.badType);
  return undefined;
}

/**
 * POST /evidence/files with one file (multipart). Every file of a request is uploaded on its own,
 * so each shows its own progress and error; the answer is the stored file's hash, content type and
 * reviewer signals, which the application then names as `{ sha256, name }`.
 */
export function uploadEvidence(file: File, onProgress: (p: UploadProgress) => void): EvidenceUploadHandle {
  return postFile('/api/evidence/files', {}, file, {}, onProgress, evidenceFallbackFor, (answer) => {
    const first: UploadedEvidence | undefined = answer.files[0];
    if (!first) throw new Error('no file in the answer');
    return first;
  });
}
