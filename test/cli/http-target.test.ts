/** Where client commands connect and with which TLS files: flags, then CAIRN_*, then CONSUL_*. */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { httpTarget, tokenSetting } from '../../src/cli/http-target.js';

const t = (values: Record<string, string>, env: Record<string, string> = {}) =>
  httpTarget('kv get', values, env);

describe('http target', () => {
  it('is plain http to 127.0.0.1:8500 when nothing is said', () => {
    expect(t({})).toEqual({ addr: '127.0.0.1:8500', baseUrl: 'http://127.0.0.1:8500', tls: null });
  });

  it('takes the scheme from the address, else https when a TLS flag is given or HTTP_SSL is true', () => {
    expect(t({ 'http-addr': 'https://h:8501' })).toEqual({
      addr: 'h:8501',
      baseUrl: 'https://h:8501',
      tls: {},
    });
    expect(t({ 'http-addr': 'h:8501', 'ca-file': '/ca.pem' })).toEqual({
      addr: 'h:8501',
      baseUrl: 'https://h:8501',
      tls: { caFile: { from: '--ca-file', path: '/ca.pem' } },
    });
    expect(t({}, { CONSUL_HTTP_ADDR: 'h:8501', CONSUL_HTTP_SSL: '1' }).baseUrl).toBe('https://h:8501');
    // As Consul: files named only by the environment do not change the scheme of a bare address.
    expect(t({}, { CAIRN_HTTP_ADDR: 'h:8500', CAIRN_CACERT: '/ca.pem' })).toEqual({
      addr: 'h:8500',
      baseUrl: 'http://h:8500',
      tls: null,
    });
    expect(t({ 'http-addr': 'http://h:8500', 'ca-file': '/ca.pem' }).tls).toBeNull();
    expect(t({}, { CAIRN_HTTP_SSL: 'false', CONSUL_HTTP_SSL: 'true' }).baseUrl).toBe('http://127.0.0.1:8500');
  });

  it('prefers the flag, then CAIRN_*, then CONSUL_*; empty variables count as unset', () => {
    const env = {
      CAIRN_HTTP_ADDR: '',
      CONSUL_HTTP_ADDR: 'https://consul:8501',
      CAIRN_CACERT: '/cairn-ca.pem',
      CONSUL_CACERT: '/consul-ca.pem',
      CONSUL_CLIENT_CERT: '/c.pem',
      CONSUL_CLIENT_KEY: '/k.pem',
    };
    expect(t({}, env)).toEqual({
      addr: 'consul:8501',
      baseUrl: 'https://consul:8501',
      tls: {
        caFile: { from: 'CAIRN_CACERT', path: '/cairn-ca.pem' },
        certFile: { from: 'CONSUL_CLIENT_CERT', path: '/c.pem' },
        keyFile: { from: 'CONSUL_CLIENT_KEY', path: '/k.pem' },
      },
    });
    expect(t({ 'ca-file': '/flag.pem', 'http-addr': 'https://f:1' }, env).tls?.caFile).toEqual({
      from: '--ca-file',
      path: '/flag.pem',
    });
  });

  it('refuses half a client certificate, an empty path, a bad HTTP_SSL and a bad address in one line', () => {
    const problem = (values: Record<string, string>, env: Record<string, string> = {}) => {
      try {
        t(values, env);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(problem({ 'client-cert': '/c.pem' })).toBe(
      'kv get: --client-cert needs --client-key (a certificate and its key go together)',
    );
    expect(problem({}, { CAIRN_CLIENT_KEY: '/k.pem' })).toBe(
      'kv get: CAIRN_CLIENT_KEY needs --client-cert (a certificate and its key go together)',
    );
    expect(problem({ 'ca-file': '' })).toBe('kv get: --ca-file: a file path is required');
    expect(problem({}, { CONSUL_HTTP_SSL: 'yes' })).toBe(
      'kv get: CONSUL_HTTP_SSL: "yes" is not true or false',
    );
    expect(problem({}, { CONSUL_HTTP_ADDR: 'ftp://h:1' })).toBe(
      'kv get: CONSUL_HTTP_ADDR: "ftp://h:1" is not HOST:PORT',
    );
  });
});

describe('token', () => {
  it('comes from --token, else $CAIRN_HTTP_TOKEN, else $CONSUL_HTTP_TOKEN, else none', () => {
    const env = { CAIRN_HTTP_TOKEN: 'cairn-t', CONSUL_HTTP_TOKEN: 'consul-t' };
    expect(tokenSetting('kv get', 'flag-t', env)).toBe('flag-t');
    expect(tokenSetting('kv get', undefined, env)).toBe('cairn-t');
    expect(tokenSetting('kv get', undefined, { CONSUL_HTTP_TOKEN: 'consul-t' })).toBe('consul-t');
    expect(tokenSetting('kv get', undefined, {})).toBeNull();
  });

  it('refuses a token that is not printable ASCII, naming where it came from', () => {
    expect(() => tokenSetting('watch', undefined, { CONSUL_HTTP_TOKEN: 'a b' })).toThrow(
      new UsageError('watch: $CONSUL_HTTP_TOKEN: a token must be printable ASCII without spaces'),
    );
    expect(() => tokenSetting('kv get', '', {})).toThrow(UsageError);
  });
});
