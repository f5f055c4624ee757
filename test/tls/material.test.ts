import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTlsTexts, loadTlsFiles, TlsFileError } from '../../src/tls/index.js';
import { makePki, type Pki } from './support.js';

let pki: Pki;
let other: Pki;
let dir = '';

beforeAll(async () => {
  [pki, other] = await Promise.all([makePki(), makePki()]);
  dir = mkdtempSync(join(tmpdir(), 'cairn-tls-load-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (path: string, text: string) => ({ path, text });

describe('checkTlsTexts', () => {
  it('passes a matching certificate and key, and the CA', () => {
    const m = checkTlsTexts({
      cert: file('s.pem', pki.server.certPem),
      key: file('s-key.pem', pki.server.keyPem),
      ca: file('ca.pem', pki.ca.certPem),
    });
    expect(m.cert).toBe(pki.server.certPem);
    expect(m.key).toBe(pki.server.keyPem);
    expect(m.ca).toEqual([pki.ca.certPem]);
  });

  it('keeps every certificate of a bundle, ignoring text around the blocks', () => {
    const m = checkTlsTexts({
      ca: file('bundle.pem', `# ours\n${pki.ca.certPem}\n# theirs\n${other.ca.certPem}`),
    });
    expect(m.ca).toEqual([pki.ca.certPem, other.ca.certPem]);
    expect(m.cert).toBeUndefined();
  });

  it('names the key file when the key is another certificate’s', () => {
    expect(() =>
      checkTlsTexts({ cert: file('s.pem', pki.server.certPem), key: file('c-key.pem', pki.client.keyPem) }),
    ).toThrow(new TlsFileError('c-key.pem', 'this key does not belong to the certificate in s.pem'));
  });

  it('names the file that holds no PEM, or the wrong kind of PEM', () => {
    expect(() => checkTlsTexts({ ca: file('ca.pem', 'not pem at all') })).toThrow(
      'ca.pem: not a PEM CA certificate file (found no PEM data)',
    );
    expect(() => checkTlsTexts({ ca: file('ca-key.pem', pki.ca.keyPem) })).toThrow(
      'ca-key.pem: not a PEM CA certificate file (found only EC PRIVATE KEY)',
    );
    expect(() =>
      checkTlsTexts({ cert: file('s.pem', pki.server.certPem), key: file('s2.pem', pki.server.certPem) }),
    ).toThrow('s2.pem: not a PEM private key file (found only CERTIFICATE)');
  });

  it('names the file whose PEM block is damaged', () => {
    const broken = pki.server.certPem.replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!');
    expect(() => checkTlsTexts({ ca: file('bad.pem', broken) })).toThrow(
      /^bad\.pem: certificate 1 cannot be read/,
    );
  });

  it('wants a certificate and its key together', () => {
    expect(() => checkTlsTexts({ cert: file('s.pem', pki.server.certPem) })).toThrow(
      /^s\.pem: a certificate and its key go together/,
    );
    expect(() => checkTlsTexts({ key: file('k.pem', pki.server.keyPem) })).toThrow(/^k\.pem: /);
  });

  it('refuses an encrypted key with a reason', () => {
    const encrypted = '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n';
    expect(() =>
      checkTlsTexts({ cert: file('s.pem', pki.server.certPem), key: file('k.pem', encrypted) }),
    ).toThrow('k.pem: the private key is encrypted; give an unencrypted key');
  });
});

describe('loadTlsFiles', () => {
  it('reads the files', async () => {
    writeFileSync(join(dir, 'ca.pem'), pki.ca.certPem);
    writeFileSync(join(dir, 's.pem'), pki.server.certPem);
    writeFileSync(join(dir, 's-key.pem'), pki.server.keyPem);
    const m = await loadTlsFiles({
      certFile: join(dir, 's.pem'),
      keyFile: join(dir, 's-key.pem'),
      caFile: join(dir, 'ca.pem'),
    });
    expect(m).toEqual({ cert: pki.server.certPem, key: pki.server.keyPem, ca: [pki.ca.certPem] });
  });

  it('names a missing file, a directory, and an unreadable file', async () => {
    const missing = join(dir, 'nope.pem');
    await expect(loadTlsFiles({ caFile: missing })).rejects.toThrow(
      new TlsFileError(missing, 'no such file'),
    );
    await expect(loadTlsFiles({ caFile: dir })).rejects.toThrow(`${dir}: is a directory, not a file`);
    if (process.getuid?.() !== 0) {
      // root reads anything, so the permission case can only be seen by other users.
      const locked = join(dir, 'locked.pem');
      writeFileSync(locked, pki.ca.certPem);
      chmodSync(locked, 0);
      await expect(loadTlsFiles({ caFile: locked })).rejects.toThrow(`${locked}: permission denied`);
    }
  });
});
