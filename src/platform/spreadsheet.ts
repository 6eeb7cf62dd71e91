/**
 * Text bound for a spreadsheet (CSV, XLSX) from user input: a cell that starts like a formula
 * (= + - @, or a tab / carriage return before one) is prefixed with ' so no spreadsheet runs it
 * (CSV injection, OWASP).
 */
export const inert = (s: string): string => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
