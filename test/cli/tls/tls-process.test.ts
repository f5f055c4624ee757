/**
 * `cairn tls` as a process (the built CLI) in temporary directories: a CA, server and client
 * certificates, checked with OpenSSL and then used by a Node TLS server and client on loopback.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConnectionOptions, connect, createServer, type TlsOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadTlsFiles,
  type TlsMaterial,
  tlsClientOptions,
  tlsServerOptions,
} from '../../../src/tls/index.js';
import { distScript } from '../../support/processes.js';

const CLI = distScript('src/cli/main.js');
const DAY_MS = 86_400_000;

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cairn(cwd: string, ...args: string[]): Run {
  const r = spawnSync(process.execPath, [CLI, 'tls', ...args], { cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function openssl(...args: string[]): Run {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(run: Run): Run {
  if (run.status !== 0) throw new Error(`exit ${run.status}: ${run.stderr}`);
  return run;
}

let dir = '';
let otherDir = '';
let emptyDir = '';
const runs: Record<string, Run> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-tls-cli-'));
  otherDir = await mkdtemp(join(tmpdir(), 'cairn-tls-cli-other-'));
  emptyDir = await mkdtemp(join(tmpdir(), 'cairn-tls-cli-empty-'));
  runs.ca = ok(cairn(dir, 'ca', 'create'));
  runs.server = ok(
    cairn(
      dir,
      'cert',
      'create',
      '-server',
      '-additional-dnsname',
      'cairn.test',
      '-additional-ipaddress=10.1.2.3',
    ),
  );
  runs.server2 = ok(cairn(dir, 'cert', 'create', '--server', '--days', '30'));
  runs.client = ok(cairn(dir, 'cert', 'create', '-client'));
  ok(cairn(otherDir, 'ca', 'create'));
  ok(cairn(otherDir, 'cert', 'create', '-server'));
  ok(cairn(otherDir, 'cert', 'create', '-client'));
});

afterAll(async () => {
  for (const d of [dir, otherDir, emptyDir]) if (d) await rm(d, { recursive: true, force: true });
});

describe('cairn tls (process)', () => {
  it('writes Consul’s file names, numbering the second server certificate', () => {
    expect(runs.ca!.stdout).toBe('==> Saved consul-agent-ca.pem\n==> Saved consul-agent-ca-key.pem\n');
    expect(runs.server!.stdout).toContain('==> WARNING: Server Certificates grants authority');
    expect(runs.server!.stdout).toContain(
      '==> Using consul-agent-ca.pem and consul-agent-ca-key.pem\n==> Saved dc1-server-consul-0.pem\n==> Saved dc1-server-consul-0-key.pem\n',
    );
    expect(runs.server2!.stdout).toContain(
      '==> Saved dc1-server-consul-1.pem\n==> Saved dc1-server-consul-1-key.pem\n',
    );
    expect(runs.client!.stdout).toBe(
      '==> Using consul-agent-ca.pem and consul-agent-ca-key.pem\n==> Saved dc1-client-consul-0.pem\n==> Saved dc1-client-consul-0-key.pem\n',
    );
  });

  it('writes keys readable by their owner only', () => {
    for (const key of [
      'consul-agent-ca-key.pem',
      'dc1-server-consul-0-key.pem',
      'dc1-client-consul-0-key.pem',
    ]) {
      expect((statSync(join(dir, key)).mode & 0o777).toString(8)).toBe('600');
    }
    expect(statSync(join(dir, 'dc1-server-consul-0.pem')).mode & 0o600).toBe(0o600);
  });

  it('refuses to overwrite an existing CA, leaving it as it was', () => {
    const before = readFileSync(join(dir, 'consul-agent-ca-key.pem'), 'utf8');
    const r = cairn(dir, 'ca', 'create');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('cairn: consul-agent-ca.pem already exists; not overwriting it\n');
    expect(readFileSync(join(dir, 'consul-agent-ca-key.pem'), 'utf8')).toBe(before);
  });

  it('fails with one line when the CA is missing or a flag is bad', () => {
    const missing = cairn(emptyDir, 'cert', 'create', '-server');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('cairn: cannot read the CA certificate consul-agent-ca.pem: no such file\n');
    const bad = cairn(emptyDir, 'cert', 'create', '-server', '-days', 'soon');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(
      'cairn: tls cert create: -days: "soon" must be a whole number of days from 1 to 36525\n',
    );
    const mismatched = cairn(
      emptyDir,
      'cert',
      'create',
      '-client',
      '-ca',
      join(dir, 'consul-agent-ca.pem'),
      '-key',
      join(otherDir, 'consul-agent-ca-key.pem'),
    );
    expect(mismatched.status).toBe(1);
    expect(mismatched.stderr).toBe('cairn: the CA key does not belong to the CA certificate\n');
  });

  it('makes certificates OpenSSL verifies against their CA, for TLS servers and clients, and not against another CA', () => {
    const ca = join(dir, 'consul-agent-ca.pem');
    for (const cert of ['dc1-server-consul-0.pem', 'dc1-server-consul-1.pem', 'dc1-client-consul-0.pem']) {
      for (const purpose of ['sslserver', 'sslclient']) {
        const r = openssl('verify', '-purpose', purpose, '-CAfile', ca, join(dir, cert));
        expect(r.stdout.trim()).toBe(`${join(dir, cert)}: OK`);
        expect(r.status).toBe(0);
      }
    }
    const foreign = openssl(
      'verify',
      '-CAfile',
      join(otherDir, 'consul-agent-ca.pem'),
      join(dir, 'dc1-server-consul-0.pem'),
    );
    expect(foreign.status).not.toBe(0);
  });

  it('puts the SANs, key usages and validity Consul’s have into the certificates', () => {
    const text = (f: string) => ok(openssl('x509', '-noout', '-text', '-in', join(dir, f))).stdout;
    const server = text('dc1-server-consul-0.pem');
    expect(server).toMatch(/Subject: CN ?= ?server\.dc1\.consul/);
    expect(server).toMatch(
      /Subject Alternative Name: *\n\s*DNS:server\.dc1\.consul, DNS:localhost, DNS:cairn\.test, IP Address:127\.0\.0\.1, IP Address:10\.1\.2\.3\n/,
    );
    expect(server).toMatch(/Key Usage: critical\n\s*Digital Signature, Key Encipherment\n/);
    expect(server).toMatch(
      /Extended Key Usage: *\n\s*TLS Web Server Authentication, TLS Web Client Authentication\n/,
    );
    expect(server).toMatch(/Basic Constraints: critical\n\s*CA:FALSE/);
    expect(server).toMatch(/ASN1 OID: prime256v1/);
    const client = text('dc1-client-consul-0.pem');
    expect(client).toMatch(
      /Subject Alternative Name: *\n\s*DNS:client\.dc1\.consul, DNS:localhost, IP Address:127\.0\.0\.1\n/,
    );
    expect(client).not.toContain('server.dc1.consul');
    const ca = text('consul-agent-ca.pem');
    expect(ca).toMatch(/Basic Constraints: critical\n\s*CA:TRUE/);
    expect(ca).toMatch(/Key Usage: critical\n\s*Digital Signature, Certificate Sign, CRL Sign\n/);

    const days = (f: string) => {
      const out = ok(openssl('x509', '-noout', '-startdate', '-enddate', '-in', join(dir, f))).stdout;
      const start = Date.parse(/notBefore=(.*)/.exec(out)![1]!);
      const end = Date.parse(/notAfter=(.*)/.exec(out)![1]!);
      expect(start).toBeLessThanOrEqual(Date.now());
      return (end - start) / DAY_MS;
    };
    expect(days('consul-agent-ca.pem')).toBe(1825);
    expect(days('dc1-server-consul-0.pem')).toBe(365);
    expect(days('dc1-server-consul-1.pem')).toBe(30);
    expect(days('dc1-client-consul-0.pem')).toBe(365);
  });

  it('writes name constraints OpenSSL enforces', async () => {
    const d = await mkdtemp(join(tmpdir(), 'cairn-tls-cli-nc-'));
    try {
      ok(
        cairn(
          d,
          'ca',
          'create',
          '-domain',
          'cairn',
          '-name-constraint',
          '-additional-name-constraint',
          'example.com',
        ),
      );
      ok(cairn(d, 'cert', 'create', '-server', '-domain', 'cairn', '-additional-dnsname', 'ui.example.com'));
      const text = ok(openssl('x509', '-noout', '-text', '-in', join(d, 'cairn-agent-ca.pem'))).stdout;
      expect(text).toMatch(
        /Name Constraints: critical\n\s*Permitted:\n\s*DNS:cairn\n\s*DNS:localhost\n\s*DNS:example\.com\n/,
      );
      const verified = openssl(
        'verify',
        '-CAfile',
        join(d, 'cairn-agent-ca.pem'),
        join(d, 'dc1-server-cairn-0.pem'),
      );
      expect(verified.status).toBe(0);
      const outside = cairn(
        d,
        'cert',
        'create',
        '-server',
        '-domain',
        'cairn',
        '-additional-dnsname',
        'ui.example.org',
      );
      expect(outside.status).toBe(1);
      expect(outside.stderr).toMatch(/^cairn: the CA's name constraints do not permit ui\.example\.org;/);
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });
});

/** One connection, as both ends saw it. */
interface Outcome {
  /** Connections the server completed the handshake with (and so answered). */
  readonly accepted: number;
  /** What the server answered: the client certificate's subject it saw. */
  readonly answer: string | null;
  readonly clientError: string | null;
  readonly serverError: string | null;
}

/**
 * One connection to a TLS server on 127.0.0.1 (a port the OS picks). The server answers with the
 * peer certificate's subject. Both ends are done when this returns: the client socket closed and
 * the server closed, so every event of either is in.
 */
async function attempt(serverOptions: TlsOptions, clientOptions: ConnectionOptions): Promise<Outcome> {
  let serverError: string | null = null;
  let accepted = 0;
  const server = createServer(serverOptions, (socket) => {
    accepted++;
    socket.end(`peer ${socket.getPeerX509Certificate()?.subject ?? 'none'}`);
  });
  server.on('tlsClientError', (e: NodeJS.ErrnoException) => {
    serverError ??= `${e.code ?? ''} ${e.message}`;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = await new Promise<{ data: string; error: string | null }>((resolve) => {
    let data = '';
    let error: string | null = null;
    const socket = connect({ ...clientOptions, host: '127.0.0.1', port });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error ??= `${e.code ?? ''} ${e.message}`;
    });
    socket.on('close', () => resolve({ data, error }));
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    accepted,
    answer: client.data.startsWith('peer ') ? client.data.slice(5) : null,
    clientError: client.error,
    serverError,
  };
}

describe('generated files in Node TLS', () => {
  const material = (d: string, cert: string): Promise<TlsMaterial> =>
    loadTlsFiles({
      certFile: join(d, `${cert}.pem`),
      keyFile: join(d, `${cert}-key.pem`),
      caFile: join(d, 'consul-agent-ca.pem'),
    });
  const verify = { datacenter: 'dc1', domain: 'consul', verifyOutgoing: true, verifyServerHostname: true };

  it('connects a client and a server of one CA, each verifying the other', async () => {
    const server = tlsServerOptions(await material(dir, 'dc1-server-consul-0'), { verifyIncoming: true });
    const client = tlsClientOptions(await material(dir, 'dc1-client-consul-0'), verify);
    expect(server).toMatchObject({ requestCert: true, rejectUnauthorized: true });
    expect(client).toMatchObject({ rejectUnauthorized: true });
    expect(await attempt(server, client)).toEqual({
      accepted: 1,
      answer: 'CN=client.dc1.consul',
      clientError: null,
      serverError: null,
    });
  });

  it('connects server to server (a server certificate serves as the client one too)', async () => {
    const server = tlsServerOptions(await material(dir, 'dc1-server-consul-0'), { verifyIncoming: true });
    const client = tlsClientOptions(await material(dir, 'dc1-server-consul-1'), verify);
    expect(await attempt(server, client)).toMatchObject({ accepted: 1, answer: 'CN=server.dc1.consul' });
  });

  it('the server rejects a client certificate of another CA', async () => {
    const server = tlsServerOptions(await material(dir, 'dc1-server-consul-0'), { verifyIncoming: true });
    const foreign = await material(otherDir, 'dc1-client-consul-0');
    // The client trusts our CA (so it accepts the server) but presents the other CA's certificate.
    const client = tlsClientOptions(
      { ...foreign, ca: [readFileSync(join(dir, 'consul-agent-ca.pem'), 'utf8')] },
      verify,
    );
    // The client completes its side of the TLS 1.3 handshake before the server checks its
    // certificate; the server then drops the connection without accepting it.
    expect(await attempt(server, client)).toMatchObject({ accepted: 0, answer: null });
  });

  it('the server rejects a client that presents no certificate', async () => {
    const server = tlsServerOptions(await material(dir, 'dc1-server-consul-0'), { verifyIncoming: true });
    const client = tlsClientOptions({ ca: [readFileSync(join(dir, 'consul-agent-ca.pem'), 'utf8')] }, verify);
    expect(await attempt(server, client)).toMatchObject({
      accepted: 0,
      answer: null,
      serverError: expect.stringMatching(/certificate/i),
    });
  });

  it('the client rejects a server certificate of another CA', async () => {
    const foreign = await material(otherDir, 'dc1-server-consul-0');
    const server = tlsServerOptions(foreign, { verifyIncoming: false });
    const client = tlsClientOptions(await material(dir, 'dc1-client-consul-0'), verify);
    expect(await attempt(server, client)).toMatchObject({
      accepted: 0,
      answer: null,
      clientError: 'SELF_SIGNED_CERT_IN_CHAIN self-signed certificate in certificate chain',
    });
  });

  it('with hostname verification, a client certificate of the same CA cannot act as a server', async () => {
    const impostor = tlsServerOptions(await material(dir, 'dc1-client-consul-0'), { verifyIncoming: true });
    const strict = tlsClientOptions(await material(dir, 'dc1-server-consul-1'), verify);
    expect(await attempt(impostor, strict)).toMatchObject({
      accepted: 0,
      answer: null,
      clientError: expect.stringContaining('the peer certificate does not name server.dc1.consul'),
    });
    // Without it the chain alone is checked, and the same connection goes through.
    const loose = tlsClientOptions(await material(dir, 'dc1-server-consul-1'), {
      ...verify,
      verifyServerHostname: false,
    });
    expect(await attempt(impostor, loose)).toMatchObject({ accepted: 1, answer: 'CN=server.dc1.consul' });
  });
});
