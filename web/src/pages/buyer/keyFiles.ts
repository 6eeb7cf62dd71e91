/**
 * Revealed keys as text the buyer takes away — made on the device from the secrets just revealed,
 * never sent anywhere: TXT (one key a line, `serial secret` as the import reads it back), CSV for
 * Excel (UTF-8 BOM, a header row in the page’s language, every field quoted, CRLF). Pure (no DOM):
 * BulkReveal saves them.
 */
export interface KeyLine {
  serial: string | null;
  secret: string;
}

export interface CsvLabels {
  index: string;
  serial: string;
  secret: string;
}

export function keysToText(items: readonly KeyLine[]): string {
  return items.map((k) => (k.serial !== null ? `${k.serial} ${k.secret}` : k.secret)).join('\r\n') + '\r\n';
}

const quote = (v: string): string => `"${v.replace(/"/g, '""')}"`;

export function keysToCsv(items: readonly KeyLine[], labels: CsvLabels): string {
  const withSerial = items.some((k) => k.serial !== null);
  const header = [labels.index, ...(withSerial ? [labels.serial] : []), labels.secret];
  const rows = items.map((k, i) => [String(i + 1), ...(withSerial ? [k.serial ?? ''] : []), k.secret]);
  return '\uFEFF' + [header, ...rows].map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n';
}
