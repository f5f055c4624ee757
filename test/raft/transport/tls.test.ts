import { X509Certificate } from 'node:crypto';
import { rmSync } from 'node:fs';
import { connect as plainConnect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../cluster/index.js';
import {
  ClusterKeyring,
  type ClusterTls,
  certificateNames,
  chainTrusted,
  generateClusterKey,
  type HandshakeFailureEvent,
  pemCertificates,
  TcpTransport,
} from '../../../src/raft/transport/index.js';
import { type CertFiles, readPem, TestCa } from '../../support/certs.js';

const SERVER_NAME = 'server.dc1.consul';
let ca: TestCa;
let other: TestCa;
let serverA: CertFiles;
let serverB: CertFiles;
let client: CertFiles;
let foreign: CertFiles;

beforeAll(() => {
  ca = TestCa.create('cairn');
  other = TestCa.create('other');
  serverA = ca.issue('a', [`DNS:${SERVER_NAME}`, 'DNS:localhost', 'IP:127.0.0.1'], 'server');
  serverB = ca.issue('b', [`DNS:${SERVER_NAME}`, 'DNS:localhost', 'IP:127.0.0.1'], 'server');
  client = ca.issue('c', ['DNS:client.dc1.consul'], 'client');
  foreign = other.issue('f', [`DNS:${SERVER_NAME}`, 'IP:127.0.0.1'], 'server');
});

afterAll(() => {
  for (const c of [ca, other]) if (c) rmSync(c.dir, { recursive: true, force: true });
});

function tlsOf(files: CertFiles, o: Partial<ClusterTls> = {}): ClusterTls {
  return { ...readPem(files), verifyIncoming: true, verifyOutgoing: true, serverName: SERVER_NAME, ...o };
}

class Endpoint {
  readonly failures: HandshakeFailureEvent[] = [];
  readonly requests: string[] = [];
  readonly t: TcpTransport;

  constructor(
    readonly id: string,
    tls: ClusterTls | null,
    key: string | null = null,
  ) {
    this.t = new TcpTransport({
      id,
      tls,
      keyring: key === null ? null : ClusterKeyring.fromBase64([key]),
      limits: { backoffBaseMs: 10, backoffMaxMs: 100, handshakeTimeoutMs: 2000 },
      onHandshakeFailure: (e) => this.failures.push(e),
    });
    this.t.onRequest(async (from, payload) => {
      this.requests.push(`${from}:${Buffer.from(payload).toString()}`);
      return Buffer.from(`ok ${Buffer.from(payload).toString()}`);
    });
  }
}

const open: Endpoint[] = [];
async function endpoint(id: string, tls: ClusterTls | null, key: string | null = null): Promise<Endpoint> {
  const e = new Endpoint(id, tls, key);
  await e.t.start({ onMessage: () => {}, onUnreachable: () => {}, onSnapshotStatus: () => {} });
  open.push(e);
  return e;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.t.close()));
});

const ask = async (from: Endpoint, to: Endpoint, what: string) => {
  from.t.setPeer(to.id, to.t.address);
  return Buffer.from(await from.t.request(to.id, Buffer.from(what), 10_000)).toString();
};

describe('TLS on the cluster port', () => {
  it('servers with certificates of the cluster CA talk over mutual TLS (and with the key inside it)', async () => {
    const key = generateClusterKey();
    const a = await endpoint('a', tlsOf(serverA), key);
    const b = await endpoint('b', tlsOf(serverB), key);
    expect(await ask(a, b, 'hello b')).toBe('ok hello b');
    expect(await ask(b, a, 'hello a')).toBe('ok hello a');
    expect([...a.failures, ...b.failures]).toEqual([]);
  });

  it('a certificate of another CA is refused both ways, and each side says why', async () => {
    const a = await endpoint('a', tlsOf(serverA));
    const f = await endpoint('f', tlsOf({ ...foreign, ca: ca.certPath }));
    await expect(ask(f, a, 'x')).rejects.toThrow();
    await waitUntil('a reports', async () => (a.failures.length > 0 ? true : undefined));
    expect(a.failures[0]).toMatchObject({ side: 'inbound', reason: 'tls' });
    // And a server that trusts only the other CA refuses ours when it dials us.
    const g = await endpoint('g', tlsOf(foreign));
    await expect(ask(g, a, 'y')).rejects.toThrow();
    await waitUntil('g reports', async () => (g.failures.length > 0 ? true : undefined));
    expect(g.failures[0]).toMatchObject({ side: 'outbound', reason: 'tls' });
    expect(g.failures[0]!.detail).toBeTruthy();
    expect(a.requests).toEqual([]);
  });

  it('a client certificate of the same CA cannot act as a server', async () => {
    const a = await endpoint('a', tlsOf(serverA));
    const c = await endpoint('c', tlsOf(client));
    await expect(ask(c, a, 'x')).rejects.toThrow();
    await waitUntil('a reports', async () => (a.failures.length > 0 ? true : undefined));
    expect(a.failures[0]).toMatchObject({ side: 'inbound', reason: 'notAServer' });
    // Dialling it, a server finds that its certificate does not name a server either.
    await expect(ask(a, c, 'y')).rejects.toThrow();
    await waitUntil('a reports again', async () =>
      a.failures.some((f) => f.side === 'outbound') ? true : undefined,
    );
    expect(a.failures.find((f) => f.side === 'outbound')).toMatchObject({ reason: 'tls' });
    expect(a.requests).toEqual([]);
    expect(c.requests).toEqual([]);
  });

  it('with verify-incoming a plain connection is refused; without it both are served', async () => {
    const strict = await endpoint('strict', tlsOf(serverA));
    const plain = await endpoint('plain', null);
    await expect(ask(plain, strict, 'x')).rejects.toThrow();
    await waitUntil('refused', async () => (strict.failures.length > 0 ? true : undefined));
    expect(strict.failures[0]).toMatchObject({ reason: 'tlsRequired' });

    const lenient = await endpoint('lenient', tlsOf(serverB, { verifyIncoming: false }));
    expect(await ask(plain, lenient, 'plain')).toBe('ok plain');
    const tlsCaller = await endpoint('t', tlsOf(serverA));
    expect(await ask(tlsCaller, lenient, 'tls')).toBe('ok tls');
  });

  it('a connection that opens TLS and then stalls is dropped at the handshake deadline', async () => {
    const a = await endpoint('a', tlsOf(serverA));
    const s = plainConnect({ host: '127.0.0.1', port: Number(a.t.address.split(':').pop()) });
    s.on('error', () => {});
    s.write(Buffer.from([0x16, 0x03, 0x01])); // the start of a TLS record, then nothing
    await new Promise<void>((resolve) => s.once('close', () => resolve()));
    await waitUntil('reported', async () => (a.failures.length > 0 ? true : undefined));
    expect(a.failures.map((f) => f.reason)).toEqual(['timeout']);
  });

  it('new certificates apply to the next connections (a reload)', async () => {
    const a = await endpoint('a', tlsOf(serverA));
    const b = await endpoint('b', tlsOf(serverB));
    expect(await ask(a, b, 'before')).toBe('ok before');
    // Both move to the other CA; the open connection stays, new ones use the new chain.
    const g1 = other.issue('g1', [`DNS:${SERVER_NAME}`, 'IP:127.0.0.1'], 'server');
    const g2 = other.issue('g2', [`DNS:${SERVER_NAME}`, 'IP:127.0.0.1'], 'server');
    a.t.setTls(tlsOf(g1));
    b.t.setTls(tlsOf(g2));
    a.t.removePeer('b');
    expect(await ask(a, b, 'after')).toBe('ok after');
    // The only failures: the connection of the old CA, closed by the reloads (not by a handshake).
    for (const f of [...a.failures, ...b.failures]) {
      expect(f.reason).toBe('tls');
      expect(f.detail).toMatch(/no longer trusted after a reload/);
    }
  });

  it('a CA moves from A to B across reloads: open connections stay until A is no longer trusted', async () => {
    const pem = (f: CertFiles) => readPem(f);
    const [onA1, onA2] = [serverA, serverB];
    const onB1 = other.issue('rb1', [`DNS:${SERVER_NAME}`, 'IP:127.0.0.1'], 'server');
    const onB2 = other.issue('rb2', [`DNS:${SERVER_NAME}`, 'IP:127.0.0.1'], 'server');
    const both = pem(onA1).ca + pem(onB1).ca;
    const a = await endpoint('a', tlsOf(onA1));
    const b = await endpoint('b', tlsOf(onA2));
    expect(await ask(a, b, '0')).toBe('ok 0');
    // Step 1: both trust A and B. Step 2: both present a certificate of B. Nothing is closed.
    for (const [e, f] of [
      [a, onA1],
      [b, onA2],
    ] as const) {
      e.t.setTls({ ...tlsOf(f), ca: both });
    }
    expect(await ask(a, b, '1')).toBe('ok 1');
    for (const [e, f] of [
      [a, onB1],
      [b, onB2],
    ] as const) {
      e.t.setTls({ ...tlsOf(f), ca: both });
    }
    expect(await ask(a, b, '2')).toBe('ok 2');
    expect([...a.failures, ...b.failures]).toEqual([]);
    // Step 3: B only. The connection still carries the certificates of A: both ends close it.
    a.t.setTls(tlsOf(onB1));
    b.t.setTls(tlsOf(onB2));
    expect(a.failures.map((f) => [f.side, f.reason, f.peer])).toEqual([['outbound', 'tls', 'b']]);
    expect(b.failures.map((f) => [f.side, f.reason])).toEqual([['inbound', 'tls']]);
    // A new connection, on B's certificates, carries the next request.
    expect(await ask(a, b, '3')).toBe('ok 3');
    // A peer still presenting a certificate of A (it trusts both) is refused.
    const late = await endpoint('late', { ...tlsOf(serverA), ca: both });
    await expect(ask(late, b, 'x')).rejects.toThrow();
    await waitUntil('refusal reported', async () =>
      b.failures.some((f) => f.side === 'inbound' && f.reason === 'tls' && !/reload/.test(f.detail ?? ''))
        ? true
        : undefined,
    );
  });

  it('judges a presented chain against the CAs of a bundle', () => {
    const mine = new X509Certificate(readPem(serverA).cert);
    const theirs = new X509Certificate(readPem(foreign).cert);
    const bundle = pemCertificates(readPem(serverA).ca + readPem(foreign).ca);
    expect(bundle).toHaveLength(2);
    expect(chainTrusted([mine], bundle)).toBe(true);
    expect(chainTrusted([theirs], bundle)).toBe(true);
    const onlyOurs = pemCertificates(readPem(serverA).ca);
    expect(chainTrusted([theirs], onlyOurs)).toBe(false);
    expect(chainTrusted([], onlyOurs)).toBe(false);
    // A CA certificate itself is trusted; a leaf followed by a certificate that did not sign it is not.
    expect(chainTrusted([onlyOurs[0]!], onlyOurs)).toBe(true);
    expect(chainTrusted([theirs, mine], onlyOurs)).toBe(false);
  });

  it('reads the names of a certificate', () => {
    expect(certificateNames('DNS:server.dc1.consul, DNS:localhost, IP Address:127.0.0.1')).toEqual([
      'server.dc1.consul',
      'localhost',
      '127.0.0.1',
    ]);
    expect(certificateNames(undefined)).toEqual([]);
  });
});
