import { API_BASE, ApiError, errorFromBody, getCsrfToken, networkError } from './api';
import { currentLang } from './i18n';
import en from './i18n/en';
import zhCN from './i18n/zh-CN';
import type { ImportBatch, ImportFormat, Messages } from './types';

export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface UploadHandle {
  promise: Promise<ImportBatch>;
  abort: () => void;
}

export const UPLOAD_ABORTED = 'UPLOAD_ABORTED';

const both = (pick: (m: typeof zhCN) => string): Messages => ({ 'zh-CN': pick(zhCN), en: pick(en) });

/** Our own wording for upload failures the server may answer without localized messages. */
function fallbackFor(status: number): Messages | undefined {
  if (status === 413) return both((m) => m.importer.tooLarge);
  if (status === 415) return both((m) => m.importer.notText);
  return undefined;
}

/**
 * POST /merchant/products/:id/imports as multipart/form-data (`format` first, then `file`).
 * XMLHttpRequest rather than fetch, for upload progress. Resolves with the 202 batch.
 */
export function uploadImport(
  productId: string,
  file: File,
  format: ImportFormat,
  onProgress: (p: UploadProgress) => void,
): UploadHandle {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<ImportBatch>((resolve, reject) => {
    xhr.open('POST', `${API_BASE}/merchant/products/${encodeURIComponent(productId)}/imports`);
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json');
    xhr.setRequestHeader('Accept-Language', currentLang());
    const token = getCsrfToken();
    if (token) xhr.setRequestHeader('x-csrf-token', token);
    xhr.upload.onprogress = (e) => {
      onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    };
    xhr.onload = () => {
      if (xhr.status < 200 || xhr.status >= 300) {
        reject(errorFromBody(xhr.status, xhr.responseText, fallbackFor(xhr.status)));
        return;
      }
      try {
        resolve(JSON.parse(xhr.responseText) as ImportBatch);
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
    body.append('format', format);
    body.append('file', file, file.name);
    xhr.send(body);
  });
  return { promise, abort: () => xhr.abort() };
}
