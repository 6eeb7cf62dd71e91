import type { FormInstance } from 'antd';
import { ApiError } from './api';
import type { Lang } from './types';

type NamePath = (string | number)[];

/** 'prices.SUPER', '/prices/SUPER', 'prices[SUPER]', 'body.prices.SUPER' -> ['prices', 'SUPER']. */
export function splitFieldPath(field: string): NamePath {
  const parts = field
    .replace(/\[(\w+)\]/g, '.$1')
    .split(/[./]/)
    .filter((p) => p !== '');
  if (parts[0] === 'body') parts.shift();
  return parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

const pathKey = (p: NamePath) => p.join('.');

/**
 * Puts server-side field errors (problem+json `field` / `errors[]`) next to the matching form fields.
 * `known` lists the form's field paths; `alias` maps API paths to form paths (e.g. faceValueFen -> faceValue).
 * Returns true when the error is a validation failure whose every field error was attached to a field;
 * otherwise the caller (also) shows a general Alert.
 */
export function applyServerErrors(
  form: FormInstance,
  err: unknown,
  lang: Lang,
  known: NamePath[],
  alias: Record<string, NamePath> = {},
): boolean {
  if (!(err instanceof ApiError)) return false;
  const knownKeys = new Set(known.map(pathKey));
  const byField = new Map<string, { name: NamePath; errors: string[] }>();
  let unattached = 0;
  const add = (field: string, message: string) => {
    const raw = splitFieldPath(field);
    const name = alias[pathKey(raw)] ?? raw;
    const key = pathKey(name);
    if (!knownKeys.has(key)) {
      unattached += 1;
      return;
    }
    const entry = byField.get(key) ?? { name, errors: [] };
    if (!entry.errors.includes(message)) entry.errors.push(message);
    byField.set(key, entry);
  };
  for (const e of err.errors) add(e.field, e.messages[lang] || e.messages['zh-CN'] || e.code);
  if (err.field && err.errors.length === 0) add(err.field, err.localized(lang));
  if (byField.size === 0) return false;
  form.setFields([...byField.values()].map((e) => ({ name: e.name, errors: e.errors })));
  // Only pure validation failures are fully explained by their field messages; anything else
  // (401 bad credentials on `password`, 409 taken username, …) also gets the general Alert.
  return unattached === 0 && (err.status === 400 || err.status === 422);
}

/**
 * After a failed save: scrolls the first field with an error into view (the form's order), or, when
 * no field holds the error, `fallback` (the general Alert). The save button is often far below both.
 */
export function scrollToServerError(form: FormInstance, fallback: HTMLElement | null): void {
  // after React has rendered the field messages / the Alert
  window.setTimeout(() => {
    const first = form.getFieldsError().find((f) => f.errors.length > 0);
    if (first) form.scrollToField(first.name, { block: 'center', behavior: 'smooth' });
    else fallback?.scrollIntoView({ block: 'center', behavior: 'smooth' });
  }, 0);
}
