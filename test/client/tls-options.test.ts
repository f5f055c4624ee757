/** The pure parts of the client's TLS: options, environment, failure naming, leader hints over https. */
import { describe, expect, it } from 'vitest';
import { describeFailure, isTlsError, mayRetry } from '../../src/client/http/classify.js';
import { normalizeServer, ServerPool } from '../../src/client/http/server-pool.js';
import { InvalidArgumentError } from '../../src/client/index.js';
import { clientEnvironment, tlsConnectOptions } from '../../src/client/tls/index.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n';

function coded(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe('tls options', () => {
  it('turns strings, bytes and lists into the PEM texts Node takes', () => {
    expect(tlsConnectOptions({ ca: PEM })).toEqual({ ca: [PEM] });
    expect(tlsConnectOptions({ ca: [Buffer.from(PEM), PEM], cert: PEM, key: Buffer.from(KEY) })).toEqual({
      ca: [PEM, PEM],
      cert: PEM,
      key: KEY,
    });
    expect(tlsConnectOptions({})).toEqual({});
  });

  it('refuses a certificate without its key, and text that is not PEM, naming the field', () => {
    expect(() => tlsConnectOptions({ cert: PEM })).toThrow(
      new InvalidArgumentError(
        'tls.key: required with tls.cert (a client certificate and its key go together)',
      ),
    );
    expect(() => tlsConnectOptions({ key: KEY })).toThrow(/^tls\.cert: /);
    expect(() => tlsConnectOptions({ ca: [PEM, '/etc/ca.pem'] })).toThrow(/^tls\.ca\[1\]: not PEM text/);
  });
});

describe('the environment', () => {
  it("reads cairn's variables first and Consul's after; empty counts as unset", () => {
    expect(
      clientEnvironment({
        CAIRN_HTTP_ADDR: '',
        CONSUL_HTTP_ADDR: 'https://h:8501',
        CONSUL_HTTP_SSL: 'false',
        CAIRN_CACERT: '/a/ca.pem',
        CONSUL_CACERT: '/b/ca.pem',
        CONSUL_CLIENT_CERT: '/b/c.pem',
        CONSUL_CLIENT_KEY: '/b/k.pem',
      }),
    ).toEqual({
      httpAddr: { name: 'CONSUL_HTTP_ADDR', value: 'https://h:8501' },
      ssl: false,
      caFile: { name: 'CAIRN_CACERT', value: '/a/ca.pem' },
      certFile: { name: 'CONSUL_CLIENT_CERT', value: '/b/c.pem' },
      keyFile: { name: 'CONSUL_CLIENT_KEY', value: '/b/k.pem' },
    });
    expect(clientEnvironment({})).toEqual({ ssl: false });
  });

  it('reads HTTP_SSL as Go reads a bool, and names the variable when it is neither', () => {
    for (const t of ['1', 't', 'true', 'TRUE', 'True'])
      expect(clientEnvironment({ CAIRN_HTTP_SSL: t }).ssl).toBe(true);
    for (const f of ['0', 'f', 'false', 'FALSE'])
      expect(clientEnvironment({ CONSUL_HTTP_SSL: f }).ssl).toBe(false);
    expect(() => clientEnvironment({ CONSUL_HTTP_SSL: 'yes' })).toThrow(
      new InvalidArgumentError('CONSUL_HTTP_SSL: "yes" is not true or false'),
    );
  });
});

describe('tls failures', () => {
  it('are told from other connection failures by their codes and words', () => {
    expect(isTlsError(coded('UNABLE_TO_VERIFY_LEAF_SIGNATURE'))).toBe(true);
    expect(isTlsError(coded('ERR_TLS_CERT_ALTNAME_INVALID'))).toBe(true);
    expect(isTlsError(coded('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'))).toBe(true);
    expect(isTlsError(new Error('fetch failed', { cause: coded('SELF_SIGNED_CERT_IN_CHAIN') }))).toBe(true);
    expect(
      isTlsError(
        coded(
          'ECONNRESET',
          'Client network socket disconnected before secure TLS connection was established',
        ),
      ),
    ).toBe(true);
    expect(isTlsError(coded('ECONNREFUSED'))).toBe(false);
    expect(isTlsError(coded('UND_ERR_SOCKET', 'other side closed'))).toBe(false);
    expect(describeFailure(coded('CERT_HAS_EXPIRED'), 'certificate has expired')).toBe(
      'TLS: certificate has expired',
    );
    expect(describeFailure(coded('ECONNREFUSED'), 'refused')).toBe('refused');
    const openssl =
      'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 809CE537D27F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 116';
    expect(describeFailure(coded('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'), openssl)).toBe(
      'TLS: ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: tlsv13 alert certificate required',
    );
    expect(mayRetry('tls', false)).toBe(true);
  });
});

describe('servers over https', () => {
  it('gives bare addresses the scheme asked for', () => {
    expect(normalizeServer('127.0.0.1:8501', 'https')).toBe('https://127.0.0.1:8501');
    expect(normalizeServer('http://127.0.0.1:8500', 'https')).toBe('http://127.0.0.1:8500');
    expect(new ServerPool(['h:1'], { random: () => 0, scheme: 'https' }).servers).toEqual(['https://h:1']);
  });

  it('takes a leader hint only when it names a known server, so nothing is sent in the clear', () => {
    const p = new ServerPool(['https://10.0.0.1:8501', 'https://10.0.0.2:8501'], { random: () => 0 });
    // Hints carry the plain HTTP address.
    p.setLeader('10.0.0.2:8500');
    expect(p.leader).toBeNull();
    expect(p.servers).toEqual(['https://10.0.0.1:8501', 'https://10.0.0.2:8501']);
    const plain = new ServerPool(['10.0.0.1:8500'], { random: () => 0 });
    plain.setLeader('10.0.0.2:8500');
    expect(plain.leader).toBe('http://10.0.0.2:8500');
  });
});
