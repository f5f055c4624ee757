import { describe, expect, it } from 'vitest';
import { AGENT_OPTIONS, parseAgentArgs } from '../../src/cli/agent-args.js';
import { configFilesIn, preloadHclConfigs } from '../../src/cli/config-hcl.js';
import { translateConsulConfig } from '../../src/cli/consul-config.js';
import { UsageError } from '../../src/cli/errors.js';

const isCairnKey = (name: string) => Object.hasOwn(AGENT_OPTIONS, name) && name !== 'config-file';

/** A Consul server configuration as its docs show one (JSON form). */
const CONSUL_SERVER = {
  server: true,
  bootstrap_expect: 3,
  node_name: 'consul-1',
  datacenter: 'east',
  data_dir: '/opt/consul',
  bind_addr: '10.0.0.11',
  client_addr: '127.0.0.1',
  advertise_addr: '10.0.0.11',
  retry_join: ['10.0.0.12', '10.0.0.13:8300', 'provider=aws tag_key=consul'],
  encrypt: 'pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=',
  log_level: 'ERR',
  ports: { http: 8500, https: -1, dns: 8600, grpc: 8502, serf_lan: 8301 },
  dns_config: {
    only_passing: true,
    node_ttl: '10s',
    service_ttl: { '*': '5s', web: '1s' },
    udp_answer_limit: 3,
  },
  limits: { http_max_conns_per_client: 400, rpc_rate: 100 },
  ui_config: { enabled: true },
  acl: { enabled: true, default_policy: 'deny' },
};

describe("Consul's agent configuration", () => {
  it("translates a Consul server's settings into cairn's and warns about the rest", () => {
    const t = translateConsulConfig(CONSUL_SERVER, isCairnKey);
    expect(t.settings).toEqual({
      'bootstrap-expect': 3,
      node: 'consul-1',
      datacenter: 'east',
      'data-dir': '/opt/consul',
      bind: '10.0.0.11',
      client: '127.0.0.1',
      advertise: '10.0.0.11:8300',
      join: ['10.0.0.12:8300', '10.0.0.13:8300'],
      encrypt: 'pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=',
      'log-level': 'error',
      'http-port': 8500,
      'https-port': -1,
      'dns-port': 8600,
      'dns-only-passing': true,
      'dns-ttl': '10s',
      'dns-service-ttl': '5s',
      'http-max-conns-per-client': 400,
    });
    expect(t.sources['http-port']).toBe('ports.http');
    expect(t.warnings).toEqual([
      'retry_join "provider=aws tag_key=consul": cloud auto-join is not supported; list the servers; ignored',
      'ports.grpc: cairn has no such listener; ignored',
      'ports.serf_lan: cairn has no such listener; ignored',
      'dns_config.service_ttl.web: cairn has one service TTL ("*"); ignored',
      'dns_config.udp_answer_limit: Consul counts records, cairn bytes: use dns_udp_answer_limit; ignored',
      'limits.rpc_rate: a limit cairn does not have; ignored',
      'ui_config: a Consul setting cairn does not use; ignored',
      'acl: access control is not implemented yet; ignored',
    ]);
  });

  it("TLS in Consul's tls block and in the older top-level keys", () => {
    const nested = translateConsulConfig(
      {
        tls: {
          defaults: { ca_file: 'ca.pem', cert_file: 's.pem', key_file: 's-key.pem', verify_incoming: true },
          internal_rpc: { verify_server_hostname: true },
          grpc: { use_auto_cert: true },
        },
      },
      isCairnKey,
    );
    expect(nested.settings).toEqual({
      'tls-ca-file': 'ca.pem',
      'tls-cert-file': 's.pem',
      'tls-key-file': 's-key.pem',
      'tls-verify-incoming': true,
      'tls-verify-server-hostname': true,
    });
    expect(nested.warnings).toEqual(['tls.grpc: a TLS section cairn does not have; ignored']);
    const flat = translateConsulConfig({ ca_file: 'ca.pem', verify_outgoing: true }, isCairnKey);
    expect(flat.settings).toEqual({ 'tls-ca-file': 'ca.pem', 'tls-verify-outgoing': true });
  });

  it("cairn's own keys win over a Consul key for the same setting; HCL's one-element block lists are blocks", () => {
    const t = translateConsulConfig(
      { node_name: 'consul-name', node: 'cairn-name', ports: [{ http: 1 }] },
      isCairnKey,
    );
    expect(t.settings).toEqual({ node: 'cairn-name', 'http-port': 1 });
    expect(t.sources).toEqual({ node: 'node', 'http-port': 'ports.http' });
  });

  it('a Consul JSON file starts cairn with the translated settings and the warnings', () => {
    const file = JSON.stringify({ ...CONSUL_SERVER, data_dir: '/tmp/x' });
    const c = parseAgentArgs(['--config-file', 'consul.json'], () => file);
    expect(c).toMatchObject({
      node: 'consul-1',
      datacenter: 'east',
      dataDir: '/tmp/x',
      bind: '10.0.0.11',
      bootstrapExpect: 3,
      join: ['10.0.0.12:8300', '10.0.0.13:8300'],
      advertise: '10.0.0.11:8300',
      logLevel: 'error',
      httpPort: 8500,
      httpsPort: -1,
      dnsOnlyPassing: true,
      dnsTtl: 10,
      dnsServiceTtl: 5,
      httpMaxConnsPerClient: 400,
    });
    expect(c.configWarnings).toHaveLength(8);
    expect(c.configWarnings?.[0]).toMatch(/^--config-file "consul\.json": retry_join /);
  });

  it('a bad value names the Consul key it came from', () => {
    expect(() =>
      parseAgentArgs(['--config-file', 'c.json'], () => '{"dev": true, "ports": {"http": [1]}}'),
    ).toThrow(new UsageError('--config-file: "ports.http" must be a string or a number'));
  });
});

describe('HCL configuration files', () => {
  const HCL = `
server           = true
bootstrap_expect = 1
node_name        = "hcl-1"
data_dir         = "/tmp/cairn-hcl"
log_level        = "INFO"
retry_join       = ["127.0.0.2"]

ports {
  http = 18500
  dns  = 18600
}

ui_config {
  enabled = true
}
`;

  it('finds --config-file in both spellings', () => {
    expect(configFilesIn(['--dev', '--config-file', 'a.hcl', '--config-file=b.json'])).toEqual([
      'a.hcl',
      'b.json',
    ]);
  });

  it('are parsed first, then read as Consul JSON', async () => {
    const files = { 'consul.hcl': HCL } as Record<string, string>;
    const read = (p: string) => {
      const t = files[p];
      if (t === undefined) throw new Error(`ENOENT ${p}`);
      return t;
    };
    const hcl = await preloadHclConfigs(['--config-file', 'consul.hcl'], read);
    const c = parseAgentArgs(['--config-file', 'consul.hcl'], read, hcl);
    expect(c).toMatchObject({
      node: 'hcl-1',
      dataDir: '/tmp/cairn-hcl',
      bootstrapExpect: 1,
      join: ['127.0.0.2:8300'],
      logLevel: 'info',
      httpPort: 18500,
      dnsPort: 18600,
    });
    expect(c.configWarnings).toEqual([
      '--config-file "consul.hcl": ui_config: a Consul setting cairn does not use; ignored',
    ]);
  });

  it('HCL that does not parse is a one-line usage error naming the file and the line', async () => {
    const err = await preloadHclConfigs(['--config-file=bad.hcl'], () => 'ports {\n  http = \n}\n').catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/^--config-file: "bad\.hcl" is not valid HCL: .*bad\.hcl:2/);
    expect(err.message).not.toMatch(/\n/);
  });

  it('an HCL file that was not parsed first is refused, not read as JSON', () => {
    expect(() => parseAgentArgs(['--config-file', 'x.hcl'], () => 'server = true')).toThrow(UsageError);
  });
});
