import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files of one certificate and its key, with the CA that signed it. */
export interface CertFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** A CA made with the openssl command (a third party's view of what a valid chain is). */
export class TestCa {
  private constructor(
    readonly dir: string,
    readonly name: string,
  ) {}

  static create(name: string, dir = mkdtempSync(join(tmpdir(), 'cairn-ca-'))): TestCa {
    const ca = new TestCa(dir, name);
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', ca.keyPath]);
    openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      ca.keyPath,
      '-sha256',
      '-days',
      '30',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      ca.certPath,
    ]);
    return ca;
  }

  get certPath(): string {
    return join(this.dir, `${this.name}-ca.pem`);
  }

  private get keyPath(): string {
    return join(this.dir, `${this.name}-ca-key.pem`);
  }

  /**
   * A leaf certificate with these subject alternative names (`DNS:x` or `IP:x`); server
   * certificates serve both ways (serverAuth and clientAuth), as Consul's do.
   */
  issue(file: string, names: readonly string[], usage: 'server' | 'client'): CertFiles {
    const key = join(this.dir, `${file}-key.pem`);
    const csr = join(this.dir, `${file}.csr`);
    const cert = join(this.dir, `${file}.pem`);
    const ext = join(this.dir, `${file}.ext`);
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
    openssl(['req', '-new', '-key', key, '-subj', `/CN=${names[0]!.replace(/^\w+:/, '')}`, '-out', csr]);
    writeFileSync(
      ext,
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        `extendedKeyUsage=${usage === 'server' ? 'serverAuth,clientAuth' : 'clientAuth'}`,
        `subjectAltName=${names.join(',')}`,
      ].join('\n'),
    );
    openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      this.certPath,
      '-CAkey',
      this.keyPath,
      '-CAcreateserial',
      '-days',
      '30',
      '-sha256',
      '-extfile',
      ext,
      '-out',
      cert,
    ]);
    return { cert, key, ca: this.certPath };
  }
}

/** The PEM contents of a set of files. */
export function readPem(f: CertFiles): { cert: string; key: string; ca: string } {
  return {
    cert: readFileSync(f.cert, 'utf8'),
    key: readFileSync(f.key, 'utf8'),
    ca: readFileSync(f.ca, 'utf8'),
  };
}

function openssl(args: readonly string[]): void {
  execFileSync('openssl', [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}
