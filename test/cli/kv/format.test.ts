import { describe, expect, it } from 'vitest';
import type { KvPair, KvVersion } from '../../../src/cli/kv/client.js';
import {
  decodeValue,
  detailed,
  displayKey,
  escapeValue,
  historyTable,
  messages,
  preview,
  rawValueOutput,
  recurseLines,
  table,
  valueLine,
} from '../../../src/cli/kv/format.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const b64 = (s: string | Uint8Array) => Buffer.from(typeof s === 'string' ? bytes(s) : s).toString('base64');

describe('escapeValue / preview', () => {
  it('shows UTF-8 text as it is, control characters escaped, backslashes doubled', () => {
    expect(escapeValue(bytes('héllo wörld ✓'))).toBe('héllo wörld ✓');
    expect(escapeValue(bytes('a\nb\r\tc\x1b[0m\x7f\u0085'))).toBe('a\\nb\\r\\tc\\x1b[0m\\x7f\\x85');
    expect(escapeValue(bytes('C:\\dir'))).toBe('C:\\\\dir');
    expect(escapeValue(bytes('\0'))).toBe('\\x00');
  });

  it('escapes " only when quoting', () => {
    expect(escapeValue(bytes('say "hi"'))).toBe('say "hi"');
    expect(escapeValue(bytes('say "hi"'), { quote: true })).toBe('say \\"hi\\"');
  });

  it('shows bytes that are not UTF-8 as \\xNN beyond ASCII', () => {
    expect(escapeValue(new Uint8Array([0x61, 0x00, 0x62, 0xff, 0xc3]))).toBe('a\\x00b\\xff\\xc3');
    // A valid multi-byte sequence next to an invalid byte: the whole value is bytes.
    expect(escapeValue(new Uint8Array([0xc3, 0xa9, 0xfe]))).toBe('\\xc3\\xa9\\xfe');
  });

  it('cuts after maxChars characters (not bytes) and marks the cut', () => {
    expect(escapeValue(bytes('é'.repeat(50)), { maxChars: 40 })).toBe(`${'é'.repeat(40)}…`);
    expect(escapeValue(bytes('🙂'.repeat(41)), { maxChars: 40 })).toBe(`${'🙂'.repeat(40)}…`);
    expect(escapeValue(bytes('x'.repeat(40)), { maxChars: 40 })).toBe('x'.repeat(40));
    // Counted before escaping: 40 newlines are 40 characters, shown as 80.
    expect(escapeValue(bytes('\n'.repeat(41)), { maxChars: 40 })).toBe(`${'\\n'.repeat(40)}…`);
  });

  it('a preview is quoted, at most 40 characters; a delete is "-"', () => {
    expect(preview(bytes('v1'))).toBe('"v1"');
    expect(preview(new Uint8Array(0))).toBe('""');
    expect(preview(null)).toBe('-');
    const long = 'abcdefghij'.repeat(5);
    expect(preview(bytes(long))).toBe(`"${long.slice(0, 40)}…"`);
    expect(preview(bytes('line1\nline2 "q"'))).toBe('"line1\\nline2 \\"q\\""');
  });
});

describe('keys and raw values', () => {
  it('displayKey escapes only control characters, so a key stays on one line', () => {
    expect(displayKey('app/config\\x')).toBe('app/config\\x');
    expect(displayKey('bad\nkey\x07')).toBe('bad\\nkey\\x07');
    expect(displayKey('sp ace?q#h%')).toBe('sp ace?q#h%');
  });

  it('get prints the bytes exactly; a terminal gets a newline unless the value ends with one', () => {
    const v = new Uint8Array([0x00, 0xff, 0x0a, 0x41]);
    expect(rawValueOutput(v, false)).toEqual(v);
    expect(rawValueOutput(v, true)).toEqual(new Uint8Array([0x00, 0xff, 0x0a, 0x41, 0x0a]));
    expect(rawValueOutput(bytes('x\n'), true)).toEqual(bytes('x\n'));
    expect(rawValueOutput(new Uint8Array(0), false)).toEqual(new Uint8Array(0));
    expect(rawValueOutput(new Uint8Array(0), true)).toEqual(bytes('\n'));
    expect(valueLine(bytes('two'))).toEqual(bytes('two\n'));
  });

  it('decodeValue: base64, and null as the empty value', () => {
    expect(decodeValue(null)).toEqual(new Uint8Array(0));
    expect(decodeValue(b64(new Uint8Array([0, 1, 254, 255])))).toEqual(new Uint8Array([0, 1, 254, 255]));
  });
});

describe('detailed, tables and listings', () => {
  const pair: KvPair = {
    Key: 'app/db',
    Value: b64('postgres://x'),
    Flags: 42,
    CreateIndex: 7,
    ModifyIndex: 9,
    LockIndex: 1,
    Session: 'adf4238a-882b-9ddc-4a9d-5b6758e4159e',
  };

  it("get --detailed: Consul's fields, one per line, aligned", () => {
    expect(detailed(pair, decodeValue(pair.Value), false)).toBe(
      [
        'CreateIndex  7',
        'Flags        42',
        'Key          app/db',
        'LockIndex    1',
        'ModifyIndex  9',
        'Session      adf4238a-882b-9ddc-4a9d-5b6758e4159e',
        'Value        postgres://x',
        '',
      ].join('\n'),
    );
  });

  it('get --detailed --base64, no session, an escaped value', () => {
    const { Session: _, ...noSession } = pair;
    const out = detailed({ ...noSession, Value: b64('a\nb') }, bytes('a\nb'), true);
    expect(out).toContain('Session      -\n');
    expect(out).toContain(`Value        ${b64('a\nb')}\n`);
    expect(detailed({ ...noSession, Value: b64('a\nb') }, bytes('a\nb'), false)).toContain(
      'Value        a\\nb\n',
    );
  });

  it('table pads every column but the last to its widest cell', () => {
    expect(
      table([
        ['A', 'BB', 'C'],
        ['aaa', 'b', 'c'],
      ]),
    ).toBe('A    BB  C\naaa  b   c\n');
  });

  it('history: index, time, op, author, flags and a preview, newest first', () => {
    const versions: KvVersion[] = [
      {
        Key: 'k',
        ModifyIndex: 120,
        Op: 'delete',
        Flags: 3,
        Value: null,
        Time: '2026-01-02T03:04:07.000Z',
        Author: '',
      },
      {
        Key: 'k',
        ModifyIndex: 15,
        Op: 'set',
        Flags: 3,
        Value: b64('v2 with a "quote" and a\nnewline and then a long tail of text'),
        Time: '2026-01-02T03:04:06.000Z',
        Author: 'bob',
      },
      {
        Key: 'k',
        ModifyIndex: 9,
        Op: 'set',
        Flags: 0,
        Value: b64(new Uint8Array([0xde, 0xad, 0xbe, 0xef])),
        Time: '2026-01-02T03:04:05.000Z',
        Author: 'alice',
      },
    ];
    expect(historyTable(versions)).toBe(
      [
        'INDEX  TIME                      OP      AUTHOR  FLAGS  VALUE',
        '120    2026-01-02T03:04:07.000Z  delete  -       3      -',
        '15     2026-01-02T03:04:06.000Z  set     bob     3      "v2 with a \\"quote\\" and a\\nnewline and then…"',
        '9      2026-01-02T03:04:05.000Z  set     alice   0      "\\xde\\xad\\xbe\\xef"',
        '',
      ].join('\n'),
    );
  });

  it('watch --recurse: key=value lines, values escaped', () => {
    expect(
      recurseLines([
        { ...pair, Key: 'app/a', Value: b64('1') },
        { ...pair, Key: 'app/b', Value: b64('two\nlines') },
        { ...pair, Key: 'app/empty', Value: null },
      ]),
    ).toBe('app/a=1\napp/b=two\\nlines\napp/empty=\n');
  });

  it('messages say what the brief asks, on one line', () => {
    expect(messages.notFound('a/b')).toBe('key "a/b" not found');
    expect(messages.casPut('cfg')).toBe('CAS failed: cfg was modified (or exists)');
    expect(messages.written('cfg')).toBe('Success! Data written to: cfg');
    expect(messages.noKeys('app/')).toBe('no keys under "app/"');
    expect(messages.notFound('x\ny')).toBe('key "x\\ny" not found');
    expect(messages.casPut('x\ny')).toBe('CAS failed: x\\ny was modified (or exists)');
  });
});
