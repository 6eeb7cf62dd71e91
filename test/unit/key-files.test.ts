/** The buyer's key files (web/src/pages/buyer/keyFiles.ts): TXT one key a line, CSV for Excel. */
import { describe, expect, it } from 'vitest';
import { keysToCsv, keysToText } from '../../web/src/pages/buyer/keyFiles.js';

const labels = { index: '序号', serial: '卡号', secret: '卡密' };

describe('key files', () => {
  it('TXT: `serial secret` a line (as an import reads it back), the secret alone without a serial', () => {
    expect(
      keysToText([
        { serial: '9000', secret: 'pw1' },
        { serial: null, secret: 'AAAA-BBBB' },
      ]),
    ).toBe('9000 pw1\r\nAAAA-BBBB\r\n');
  });

  it('CSV: BOM, a header row, every field quoted with quotes doubled, CRLF', () => {
    const csv = keysToCsv(
      [
        { serial: '9000', secret: 'a"b,c' },
        { serial: '9001', secret: '=1+1\nx' },
      ],
      labels,
    );
    expect(csv).toBe('\uFEFF"序号","卡号","卡密"\r\n"1","9000","a""b,c"\r\n"2","9001","=1+1\nx"\r\n');
  });

  it('CSV without serials (license keys): no serial column', () => {
    expect(keysToCsv([{ serial: null, secret: 'K-1' }], labels)).toBe('\uFEFF"序号","卡密"\r\n"1","K-1"\r\n');
  });
});
