/**
 * Issue 18 item 11: CSV cells are made safe like the other formats' text: no escape sequence, raw
 * newline, C1 control or bidi mark from a file name reaches the terminal (`--format csv` is often
 * just printed), and the output stays RFC 4180 (quoted where needed, one record per row).
 */
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, renderCsv, text } from '../../src/render/csv.ts';
import type { Report } from '../../src/model/report.ts';
import { sampleReport } from '../helpers/report.ts';

const context = { chalk: new Chalk({ level: 0 }), width: 100, chart: false };

/** Sets the title, clears the screen, breaks the row, a C1 NEL and CSI, and bidi controls. */
const EVIL = 'w\u001b]0;pwned\u0007\u001b[2J\nx,"y"\r\u0085\u009b31m\u202eevil\u200f\u2066\u061c\u2028end';
/** Whatever a terminal or a spreadsheet would act on: C0 (but the CRLF between rows), DEL, C1, bidi controls and marks, line separators. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function withWorker(report: Report, worker: string): Report {
  const rename = (phase: Report['prefill']): Report['prefill'] => ({ ...phase, groups: phase.groups.map((g) => ({ ...g, ranks: g.ranks.map((r) => ({ ...r, worker })) })) });
  return { ...report, prefill: rename(report.prefill), decode: rename(report.decode) };
}

/** RFC 4180 records: fields split on commas outside quotes, records on CRLF outside quotes. */
function parseCsv(csv: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const c = csv[i];
    if (quoted) {
      if (c === '"' && csv[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && csv[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += c;
  }
  return records;
}

describe('CSV cells', () => {
  it('never carry escape sequences, raw line breaks, C1 controls or bidi marks', () => {
    const csv = renderCsv(withWorker(sampleReport('worker'), EVIL), context);
    expect(csv.replace(/\r\n/g, '')).not.toMatch(UNSAFE);
    const records = parseCsv(csv);
    const rows = csv.split('\r\n').filter((r) => r !== '');
    expect(records).toHaveLength(rows.length); // no record spans two lines
    for (const record of records) expect(record).toHaveLength(CSV_COLUMNS.length);
    const worker = records[1]?.[1] ?? '';
    expect(worker).toBe('w\\x1b]0;pwned\\x07\\x1b[2J\\x0ax,"y"\\x0d\\x85\\x9b31m\\u{202e}evil\\u{200f}\\u{2066}\\u{61c}\\u{2028}end');
  });

  it.each([
    ['=cmd()', "'=cmd()"],
    ['+1', "'+1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=cmd()', '\\x09=cmd()'],
    ['\r=cmd()', '\\x0d=cmd()'],
    ['a,"b"', '"a,""b"""'],
    ['line\nbreak', 'line\\x0abreak'],
    ['plain', 'plain'],
  ])('%j → %j', (value, cell) => {
    expect(text(value)).toBe(cell);
  });
});
