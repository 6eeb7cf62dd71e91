import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CsvHeaderError,
  NotTextFileError,
  maskSerial,
  normaliseSecret,
  normaliseSerial,
  parseKeyStream,
  type ParseOptions,
  type ParseProgress,
  type ParsedLine,
  type ProductType,
} from '../../src/modules/inventory/parse.js';

// ------------------------------------------------------------------------------------------
// helpers
// ------------------------------------------------------------------------------------------

const b = (...parts: (string | number[] | Buffer)[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

/** Splits a buffer at the given (sorted, in-range) offsets. */
function cut(buf: Buffer, offsets: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const o of offsets) {
    if (o > prev && o < buf.length) {
      out.push(buf.subarray(prev, o));
      prev = o;
    }
  }
  out.push(buf.subarray(prev));
  return out;
}

/** Pieces of cycling sizes 1, 2, 3, 5, 7, 11, 13: boundaries land everywhere over a few lines. */
function pieces(buf: Buffer, sizes: readonly number[] = [1, 2, 3, 5, 7, 11, 13]): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0, k = 0; i < buf.length; k++) {
    const n = sizes[k % sizes.length] ?? 1;
    out.push(buf.subarray(i, i + n));
    i += n;
  }
  return out;
}

async function* stream(chunks: Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c;
}

async function parse(
  chunks: Buffer | Iterable<Uint8Array>,
  options: Partial<ParseOptions> = {},
  onProgress?: (p: ParseProgress) => void,
): Promise<ParsedLine[]> {
  const out: ParsedLine[] = [];
  const input = Buffer.isBuffer(chunks) ? [chunks] : chunks;
  for await (const r of parseKeyStream(stream(input), { productType: 'CARD_KEY', ...options }, onProgress)) {
    out.push(r);
  }
  return out;
}

const ok = (lineNo: number, serial: string | null, secret: string): ParsedLine => ({
  ok: true,
  lineNo,
  serial,
  secret,
});
const bad = (lineNo: number, reason: string): ParsedLine => ({ ok: false, lineNo, reason }) as ParsedLine;

// '卡密' in GBK. (Not C2 CC C3 DC: that is 绿密.)
const GBK_KAMI = [0xbf, 0xa8, 0xc3, 0xdc];
const PAD = '#'.repeat(600) + '\n'; // comment that pushes later bytes past the 512-byte NUL sniff

// ------------------------------------------------------------------------------------------
// text format
// ------------------------------------------------------------------------------------------

describe('text format', () => {
  it('splits on the first run of spaces, tabs or commas and trims', async () => {
    const input = b('  A001 p1\nA002\tp2\nA003,p3\nA004 ,\t p4  \n');
    expect(await parse(input)).toEqual([
      ok(1, 'A001', 'p1'),
      ok(2, 'A002', 'p2'),
      ok(3, 'A003', 'p3'),
      ok(4, 'A004', 'p4'),
    ]);
  });

  it('strips CR of CRLF line endings, also when CR and LF arrive in different chunks', async () => {
    const input = b('A1 p1\r\nA2 p2\r\nA3 p3\r\n');
    expect(await parse(input)).toEqual([ok(1, 'A1', 'p1'), ok(2, 'A2', 'p2'), ok(3, 'A3', 'p3')]);
    const at = input.indexOf('\n'); // split exactly between \r and \n
    expect(await parse(cut(input, [at]))).toEqual(await parse(input));
    expect(await parse(pieces(input, [1]))).toEqual(await parse(input));
  });

  it('strips a UTF-8 BOM at the start of the stream only', async () => {
    expect(await parse(b([0xef, 0xbb, 0xbf], 'A1 p1\n'))).toEqual([ok(1, 'A1', 'p1')]);
    expect(await parse(pieces(b([0xef, 0xbb, 0xbf], 'A1 p1\n'), [1]))).toEqual([ok(1, 'A1', 'p1')]);
    // The BOM is not part of the first line: it neither counts towards maxLineBytes nor breaks a GBK line.
    expect(await parse(b([0xef, 0xbb, 0xbf], 'A1 p12345'), { maxLineBytes: 9 })).toEqual([
      ok(1, 'A1', 'p12345'),
    ]);
    expect(await parse(b([0xef, 0xbb, 0xbf], 'A1 ', GBK_KAMI))).toEqual([ok(1, 'A1', '卡密')]);
    // Later, U+FEFF is ordinary text that trimming removes like any other whitespace.
    expect(await parse(b('A1 p1\n', [0xef, 0xbb, 0xbf], 'A2 p2\n'), { productType: 'ENTITLEMENT' })).toEqual([
      ok(1, 'A1', 'p1'),
      ok(2, 'A2', 'p2'),
    ]);
  });

  it('decodes a GBK line among UTF-8 lines', async () => {
    expect(new TextDecoder('gbk').decode(Buffer.from(GBK_KAMI))).toBe('卡密');
    const input = b('卡号1 密码1\n', 'CARD2 ', GBK_KAMI, 'X\n', 'CARD3 ', '卡密', 'Y\n');
    expect(await parse(input)).toEqual([
      ok(1, '卡号1', '密码1'),
      ok(2, 'CARD2', '卡密X'),
      ok(3, 'CARD3', '卡密Y'),
    ]);
  });

  it('rejects bytes that are neither UTF-8 nor GBK with the right line number', async () => {
    const input = b(
      'A1 p1\n',
      'A2 p',
      [0xff],
      '\n',
      'A3 p',
      [0x81],
      '\n',
      'A4 p',
      [0xa1, 0x20, 0x41],
      '\n',
      'A5 p5\n',
    );
    expect(await parse(input)).toEqual([
      ok(1, 'A1', 'p1'),
      bad(2, 'INVALID_ENCODING'), // Node's ICU "gbk" table would have accepted 0xFF as U+F8F5
      bad(3, 'INVALID_ENCODING'), // truncated GBK lead byte
      bad(4, 'INVALID_ENCODING'), // lead byte followed by a byte that cannot trail
      ok(5, 'A5', 'p5'),
    ]);
  });

  it('rejects NUL and other C0 controls inside a line, but allows tab', async () => {
    const input = b(PAD, 'A2 p\x002\n', 'A3 p\x1b[0m\n', 'A4\tp4\n', 'A5 p\r5\n', 'A6 p6\x0b\n', 'A7 p7\n');
    expect(await parse(input)).toEqual([
      bad(2, 'CONTROL_CHARACTERS'),
      bad(3, 'CONTROL_CHARACTERS'),
      ok(4, 'A4', 'p4'),
      bad(5, 'CONTROL_CHARACTERS'),
      bad(6, 'CONTROL_CHARACTERS'),
      ok(7, 'A7', 'p7'),
    ]);
  });

  it('skips blank and # comment lines but keeps physical line numbers', async () => {
    const input = b('\n   \n# exported 2024-01-01\nA4 p4\n\t\r\n  # indented comment\nA7 p7');
    expect(await parse(input)).toEqual([ok(4, 'A4', 'p4'), ok(7, 'A7', 'p7')]);
  });

  it('keeps fields exactly as supplied (trimmed only): a full-width password is a different password', async () => {
    // the ideographic space is whitespace and separates; full-width letters stay full-width
    const input = b('ＡＢｃ１２　Ｐａｓｓ\n  ab Cd  \n');
    expect(await parse(input)).toEqual([ok(1, 'ＡＢｃ１２', 'Ｐａｓｓ'), ok(2, 'ab', 'Cd')]);
  });

  it('skips a header line of known column names in a text file, only as the first content line', async () => {
    const input = b('# export\n卡号\t密码\nA3 p3\ncard password\n');
    expect(await parse(input)).toEqual([ok(3, 'A3', 'p3'), ok(4, 'card', 'password')]);
  });

  it('yields nothing for empty input (or a lone BOM) and reports progress once', async () => {
    const progress: ParseProgress[] = [];
    expect(await parse([], {}, (p) => progress.push(p))).toEqual([]);
    expect(progress).toEqual([{ bytesRead: 0, linesRead: 0 }]);
    expect(await parse(b([0xef, 0xbb, 0xbf]))).toEqual([]);
    expect(await parse(b('\n\n  \n'))).toEqual([]);
  });
});

// ------------------------------------------------------------------------------------------
// per product type field rules
// ------------------------------------------------------------------------------------------

describe('field rules by product type', () => {
  const lines = ['S1 P1', 'ONLY', 'a b c', '1234,', ',1234', `S ${'x'.repeat(257)}`, `S ${'字'.repeat(256)}`];
  const input = b(lines.join('\n'));
  const cases: [ProductType, ParsedLine[]][] = [
    [
      'CARD_KEY',
      [
        ok(1, 'S1', 'P1'),
        bad(2, 'MISSING_PASSWORD'),
        bad(3, 'TOO_MANY_FIELDS'),
        bad(4, 'EMPTY_FIELD'),
        bad(5, 'EMPTY_FIELD'),
        bad(6, 'FIELD_TOO_LONG'),
        ok(7, 'S', '字'.repeat(256)),
      ],
    ],
    [
      'ACCOUNT',
      [
        ok(1, 'S1', 'P1'),
        bad(2, 'MISSING_PASSWORD'),
        bad(3, 'TOO_MANY_FIELDS'),
        bad(4, 'EMPTY_FIELD'),
        bad(5, 'EMPTY_FIELD'),
        bad(6, 'FIELD_TOO_LONG'),
        ok(7, 'S', '字'.repeat(256)),
      ],
    ],
    [
      'LICENSE_KEY',
      [
        bad(1, 'TOO_MANY_FIELDS'),
        ok(2, null, 'ONLY'),
        bad(3, 'TOO_MANY_FIELDS'),
        bad(4, 'EMPTY_FIELD'),
        bad(5, 'EMPTY_FIELD'),
        bad(6, 'TOO_MANY_FIELDS'),
        bad(7, 'TOO_MANY_FIELDS'),
      ],
    ],
    [
      'ENTITLEMENT',
      [
        ok(1, 'S1', 'P1'),
        ok(2, null, 'ONLY'),
        bad(3, 'TOO_MANY_FIELDS'),
        bad(4, 'EMPTY_FIELD'),
        bad(5, 'EMPTY_FIELD'),
        bad(6, 'FIELD_TOO_LONG'),
        ok(7, 'S', '字'.repeat(256)),
      ],
    ],
  ];
  it.each(cases)('%s', async (productType, expected) => {
    expect(await parse(input, { productType, maxLineBytes: 4096 })).toEqual(expected);
  });

  it('a license key alone over 256 characters is FIELD_TOO_LONG', async () => {
    expect(await parse(b('K'.repeat(257)), { productType: 'LICENSE_KEY' })).toEqual([
      bad(1, 'FIELD_TOO_LONG'),
    ]);
    expect(await parse(b('K'.repeat(256)), { productType: 'LICENSE_KEY' })).toEqual([
      ok(1, null, 'K'.repeat(256)),
    ]);
  });
});

// ------------------------------------------------------------------------------------------
// long lines and memory
// ------------------------------------------------------------------------------------------

describe('LINE_TOO_LONG', () => {
  it('rejects a 5 MB line and still parses the next one, whole or chunked', async () => {
    const input = b('A1 p1\n', Buffer.alloc(5 * 1024 * 1024, 0x41), '\nA3 p3\n');
    const expected = [ok(1, 'A1', 'p1'), bad(2, 'LINE_TOO_LONG'), ok(3, 'A3', 'p3')];
    expect(await parse(input)).toEqual(expected);
    expect(await parse(pieces(input, [65536, 1, 4093]))).toEqual(expected);
  });

  it('accepts exactly maxLineBytes (also before CRLF) and rejects one more', async () => {
    const max = 16;
    const line = (n: number) => 'S ' + 'p'.repeat(n - 2);
    const input = b(`${line(16)}\n${line(17)}\n${line(16)}\r\n${line(17)}\r\n${line(17)}`);
    const expected = [
      ok(1, 'S', 'p'.repeat(14)),
      bad(2, 'LINE_TOO_LONG'),
      ok(3, 'S', 'p'.repeat(14)),
      bad(4, 'LINE_TOO_LONG'),
      bad(5, 'LINE_TOO_LONG'),
    ];
    expect(await parse(input, { maxLineBytes: max })).toEqual(expected);
    expect(await parse(pieces(input, [1]), { maxLineBytes: max })).toEqual(expected);
    expect(await parse(pieces(input), { maxLineBytes: max })).toEqual(expected);
  });

  it('does not buffer an over-long line: 512 MiB without a newline in fresh 1 MiB chunks', async () => {
    const MiB = 1024 * 1024;
    let peak = 0;
    const base = process.memoryUsage().arrayBuffers;
    async function* huge(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('A1 p1\n');
      for (let i = 0; i < 512; i++) {
        yield Buffer.alloc(MiB, 0x61);
        if (i % 8 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
      }
      yield Buffer.from('\nA3 p3\n');
    }
    const out: ParsedLine[] = [];
    for await (const r of parseKeyStream(huge(), { productType: 'CARD_KEY' })) out.push(r);
    expect(out).toEqual([ok(1, 'A1', 'p1'), bad(2, 'LINE_TOO_LONG'), ok(3, 'A3', 'p3')]);
    // Holding the line would need 512 MiB; unreferenced chunks are collected long before that.
    expect(peak).toBeLessThan(256 * MiB);
  });
});

// ------------------------------------------------------------------------------------------
// whole-file rejection
// ------------------------------------------------------------------------------------------

describe('NotTextFileError', () => {
  const binaries: [string, Buffer][] = [
    ['png', b([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'A1 p1\n')],
    ['zip', b('PK\x03\x04', 'A1 p1\n')],
    ['pdf', b('%PDF-1.7\nA1 p1\n')],
    ['gzip', b([0x1f, 0x8b, 0x08], 'A1 p1\n')],
    ['utf16', b([0xff, 0xfe], Buffer.from('A1 p1\n', 'utf16le'))],
    ['utf16', b([0xfe, 0xff], 'A1 p1\n')],
    ['nul_byte', b('A1 p1\n'.repeat(80), [0x00], 'A2 p2\n')], // NUL at byte 480
  ];
  it.each(binaries)('%s is rejected before any record, whatever the chunking', async (kind, input) => {
    for (const chunks of [[input], pieces(input, [1]), pieces(input)]) {
      const seen: ParsedLine[] = [];
      const run = async () => {
        for await (const r of parseKeyStream(stream(chunks), { productType: 'CARD_KEY' })) seen.push(r);
      };
      const err: unknown = await run().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotTextFileError);
      expect(err).toMatchObject({ code: 'inventory.not_text_file', kind });
      expect(seen).toEqual([]);
    }
  });

  it('a NUL after the first 512 bytes is a line problem, not a file problem', async () => {
    expect(await parse(b(PAD, 'A2 \x00\n', 'A3 p3\n'))).toEqual([
      bad(2, 'CONTROL_CHARACTERS'),
      ok(3, 'A3', 'p3'),
    ]);
  });
});

// ------------------------------------------------------------------------------------------
// CSV
// ------------------------------------------------------------------------------------------

describe('CSV', () => {
  it('finds columns by a Chinese header and ignores extra columns', async () => {
    const input = b('序号,卡号,密码,备注\r\n1,C001,p1,x\r\n2,C002,p2\r\n');
    expect(await parse(input, { fileName: 'cards.CSV' })).toEqual([ok(2, 'C001', 'p1'), ok(3, 'C002', 'p2')]);
  });

  it('detects an English header (any case, quoted, spaced) in auto mode without a .csv name', async () => {
    const input = b('"Password" , "Card_No"\nsecret1,C1\n');
    expect(await parse(input, { fileName: 'keys.txt' })).toEqual([ok(2, 'C1', 'secret1')]);
  });

  it('parses quoted fields with commas and escaped quotes', async () => {
    const input = b('account,password\n"user,1","pa""ss,word"\n  "u2" , p2 \n');
    expect(await parse(input, { productType: 'ACCOUNT', format: 'csv' })).toEqual([
      ok(2, 'user,1', 'pa"ss,word'),
      ok(3, 'u2', 'p2'),
    ]);
  });

  it('rejects unbalanced quotes per line and continues', async () => {
    const input = b('card,pwd\n"C1,p1\nC2,"p2\nC3,"p3"x\nC4,p"4\nC5,p5\n');
    expect(await parse(input, { format: 'csv' })).toEqual([
      bad(2, 'CSV_QUOTE_ERROR'),
      bad(3, 'CSV_QUOTE_ERROR'),
      bad(4, 'CSV_QUOTE_ERROR'),
      bad(5, 'CSV_QUOTE_ERROR'),
      ok(6, 'C5', 'p5'),
    ]);
  });

  it('throws CsvHeaderError for a header without a secret column, without echoing it', async () => {
    const err: unknown = await parse(b('卡号,备注\nC1,x\n'), { format: 'csv' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CsvHeaderError);
    expect(err).toMatchObject({ code: 'inventory.csv_header_invalid', lineNo: 1, missing: 'secret' });
    expect((err as Error).message).not.toContain('备注');
  });

  it('throws CsvHeaderError when a CARD_KEY/ACCOUNT header has no serial column, not for LICENSE_KEY', async () => {
    const input = b('license\nK1\n');
    await expect(parse(input, { format: 'csv' })).rejects.toMatchObject({ missing: 'serial' });
    expect(await parse(input, { format: 'csv', productType: 'LICENSE_KEY' })).toEqual([ok(2, null, 'K1')]);
    // a serial column of a LICENSE_KEY file is just ignored
    expect(await parse(b('serial,key\nS1,K1\n'), { format: 'csv', productType: 'LICENSE_KEY' })).toEqual([
      ok(2, null, 'K1'),
    ]);
  });

  it('header mode: empty or missing columns', async () => {
    const input = b('卡号,卡密\nC1,\n,p2\nC3\n,,,\nC5,p5\n');
    expect(await parse(input, { format: 'csv' })).toEqual([
      bad(2, 'EMPTY_FIELD'),
      bad(3, 'EMPTY_FIELD'),
      bad(4, 'MISSING_PASSWORD'),
      ok(6, 'C5', 'p5'),
    ]);
    expect(await parse(input, { format: 'csv', productType: 'ENTITLEMENT' })).toEqual([
      bad(2, 'EMPTY_FIELD'),
      ok(3, null, 'p2'),
      bad(4, 'EMPTY_FIELD'),
      ok(6, 'C5', 'p5'),
    ]);
  });

  it('treats columns positionally when a csv file has no header', async () => {
    const input = b('S1,P1\nONLY\n"a b",c\na,b,c\n');
    expect(await parse(input, { format: 'csv', productType: 'ENTITLEMENT' })).toEqual([
      ok(1, 'S1', 'P1'),
      ok(2, null, 'ONLY'),
      ok(3, 'a b', 'c'),
      bad(4, 'TOO_MANY_FIELDS'),
    ]);
    expect(await parse(input, { fileName: 'x.csv' })).toEqual([
      ok(1, 'S1', 'P1'),
      bad(2, 'MISSING_PASSWORD'),
      ok(3, 'a b', 'c'),
      bad(4, 'TOO_MANY_FIELDS'),
    ]);
  });

  it('a data first line does not make an auto .txt file CSV', async () => {
    // In CSV, "a b" would be one field; in text it is two.
    expect(await parse(b('S1,a b\n'), { productType: 'ENTITLEMENT' })).toEqual([bad(1, 'TOO_MANY_FIELDS')]);
  });
});

// ------------------------------------------------------------------------------------------
// chunk boundaries
// ------------------------------------------------------------------------------------------

describe('chunk boundaries do not matter', () => {
  const fixture = b(
    [0xef, 0xbb, 0xbf],
    '# 卡密 export\r\n',
    '卡号1 密码€😀\r\n',
    '\r\n',
    'GBK ',
    GBK_KAMI,
    '\n',
    'BAD ',
    [0xff, 0xfe],
    '\r\n',
    'CTL p\x01\n',
    'LONG ' + 'x'.repeat(40) + '\r\n',
    'EDGE ' + 'é'.repeat(9) + 'x\r\n', // exactly 24 bytes before CRLF
    'EDGE ' + 'é'.repeat(10) + '\r\n', // 25 bytes
    'TABS\t\tp9\n',
    'ＡＢ ｃｄ\n', // full-width letters are kept as they are
    'last 行',
  );
  const options = { productType: 'ENTITLEMENT', maxLineBytes: 24 } as const;

  it('the fixture exercises every branch it claims to', async () => {
    expect(await parse(fixture, options)).toEqual([
      ok(2, '卡号1', '密码€😀'),
      ok(4, 'GBK', '卡密'),
      bad(5, 'INVALID_ENCODING'),
      bad(6, 'CONTROL_CHARACTERS'),
      bad(7, 'LINE_TOO_LONG'),
      ok(8, 'EDGE', 'é'.repeat(9) + 'x'),
      bad(9, 'LINE_TOO_LONG'),
      ok(10, 'TABS', 'p9'),
      ok(11, 'ＡＢ', 'ｃｄ'),
      ok(12, 'last', '行'),
    ]);
  });

  it('every single split point gives the same result', async () => {
    const whole = await parse(fixture, options);
    for (let i = 1; i < fixture.length; i++) {
      expect(await parse(cut(fixture, [i]), options), `split at ${i}`).toEqual(whole);
    }
  });

  it('any random chunking gives the same result (property)', async () => {
    const whole = await parse(fixture, options);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: fixture.length - 1 }), { maxLength: 40 }),
        async (cuts) => {
          const chunks = cut(
            fixture,
            [...cuts].sort((x, y) => x - y),
          );
          expect(await parse(chunks, options)).toEqual(whole);
        },
      ),
      { numRuns: 300 },
    );
  });
});

// ------------------------------------------------------------------------------------------
// progress, volume, secrecy
// ------------------------------------------------------------------------------------------

describe('progress and volume', () => {
  it('reports progress at most every 64 KiB and once at the end with the totals', async () => {
    const input = b('A p\n'.repeat(250_000)); // 1,000,000 bytes
    const progress: ParseProgress[] = [];
    const out = await parse(pieces(input, [4096, 333]), {}, (p) => progress.push(p));
    expect(out).toHaveLength(250_000);
    expect(progress.at(-1)).toEqual({ bytesRead: 1_000_000, linesRead: 250_000 });
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.length).toBeLessThanOrEqual(Math.floor(1_000_000 / 65536) + 1);
    for (let i = 1; i < progress.length - 1; i++) {
      expect(progress[i].bytesRead - progress[i - 1].bytesRead).toBeGreaterThanOrEqual(65536);
    }
    for (const p of progress) expect(p.linesRead).toBeLessThanOrEqual(p.bytesRead / 4);
  });

  it('parses 200,000 generated lines (correctness only; throughput is logged)', async () => {
    const n = 200_000;
    const lines: string[] = [];
    for (let i = 1; i <= n; i++)
      lines.push(i % 3 === 0 ? `卡号${i},密码${i}` : `CARD${String(i).padStart(8, '0')} Pw${i}x`);
    const input = b(lines.join('\r\n') + '\r\n');
    const started = performance.now();
    let count = 0;
    let last: ParsedLine | undefined;
    for await (const r of parseKeyStream(stream(pieces(input, [65536])), { productType: 'CARD_KEY' })) {
      if (r.ok) count++;
      last = r;
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`parseKeyStream: ${Math.round(n / seconds).toLocaleString('en')} lines/s`);
    expect(count).toBe(n);
    expect(last).toEqual(ok(n, `CARD${String(n).padStart(8, '0')}`, `Pw${n}x`));
  });

  it('rejects carry only a line number and a reason', async () => {
    const out = await parse(
      b(
        PAD,
        'SECRET1 hunter2 extra\nSECRET2\nSECRET3 \x00\n',
        Buffer.alloc(2000, 0x41),
        '\nSEC',
        [0xff],
        '\n',
      ),
    );
    expect(out.map((r) => r.ok)).toEqual([false, false, false, false, false]);
    for (const r of out) expect(Object.keys(r).sort()).toEqual(['lineNo', 'ok', 'reason']);
  });

  it('stops reading when the consumer stops', async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        pulled++;
        yield Buffer.from('A p\n'.repeat(1000));
      }
    }
    let seen = 0;
    for await (const _ of parseKeyStream(endless(), { productType: 'CARD_KEY' })) if (++seen === 1500) break;
    expect(pulled).toBe(2);
  });
});

// ------------------------------------------------------------------------------------------
// normalisation and masking
// ------------------------------------------------------------------------------------------

describe('normaliseSerial / normaliseSecret', () => {
  it('normalises serials for hashing', () => {
    expect(normaliseSerial(' ab-cd 12３４ ')).toBe('ABCD1234');
    expect(normaliseSerial('ＡＢ－ｃｄ\u3000ef')).toBe('ABCDEF');
    expect(normaliseSerial('xy\u2013z\u2014\u2212w')).toBe('XYZW');
  });

  it('license keys are case- and grouping-insensitive; passwords are not', () => {
    expect(normaliseSecret('LICENSE_KEY', ' abcde-fghij KLMNO ')).toBe('ABCDEFGHIJKLMNO');
    expect(normaliseSecret('ACCOUNT', ' Pa-ss Wörd ')).toBe('Pa-ss Wörd');
    expect(normaliseSecret('CARD_KEY', 'ｐａｓｓ１')).toBe('pass1');
    expect(normaliseSecret('ENTITLEMENT', 'CoDe')).toBe('CoDe');
    expect(normaliseSecret('ACCOUNT', 'e\u0301')).toBe('\u00e9'); // NFKC composes
  });
});

describe('maskSerial', () => {
  it('examples', () => {
    expect(maskSerial('ABCDEFGHIJKLMNOP')).toBe('ABCD********MNOP'); // 16: 4 + 4
    expect(maskSerial('ABCDEFGHIJKL')).toBe('ABC******JKL'); // 12: 4 + 4 would show 8 of 12
    expect(maskSerial('ABCDEFGH')).toBe('AB****GH'); // 8: 2 + 2
    expect(maskSerial('ABCDEF')).toBe('A****F'); // 6: 2 + 2 would show 4 of 6
    expect(maskSerial('ABCDE')).toBe('****E');
    expect(maskSerial('AB')).toBe('*B');
    expect(maskSerial('A')).toBe('*');
    expect(maskSerial('')).toBe('');
    expect(maskSerial('卡密😀😀😀😀')).toBe('卡****😀'); // code points, never half a surrogate pair
  });

  it('never reveals more than half of the characters (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (raw) => {
        const s = raw.replaceAll('*', '+');
        const input = Array.from(s);
        const masked = Array.from(maskSerial(s));
        expect(masked).toHaveLength(input.length);
        let shown = 0;
        masked.forEach((c, i) => {
          if (c !== '*') {
            shown++;
            expect(c).toBe(input[i]);
          }
        });
        expect(shown * 2).toBeLessThanOrEqual(input.length);
        if (input.length >= 2) expect(shown).toBeGreaterThan(0);
      }),
    );
  });
});
