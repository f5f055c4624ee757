/**
 * Consul's agent configuration (JSON, or HCL already turned into JSON) read as cairn's settings, so
 * an existing Consul server configuration starts cairn. cairn's own keys (the flags' names with `-`
 * or `_`) pass through; Consul's keys are translated; keys cairn has no use for are reported as
 * warnings, not errors (a Consul file is full of client, UI and mesh settings). Pure: the object
 * comes in, settings named like the flags and the warnings go out.
 */

export interface TranslatedConfig {
  /** Settings under the agent flags' names (kebab-case), values as the file gave them. */
  readonly settings: Record<string, unknown>;
  /** Where each setting came from in the file (`http_port`, `ports.http`), for messages. */
  readonly sources: Record<string, string>;
  readonly warnings: string[];
}

const DEFAULT_SERVER_PORT = 8300;

/** HCL blocks come out of hcl2json as one-element lists of objects; JSON gives the object. */
function block(v: unknown): Record<string, unknown> | null {
  const one = Array.isArray(v) && v.length === 1 ? v[0] : v;
  return typeof one === 'object' && one !== null && !Array.isArray(one)
    ? (one as Record<string, unknown>)
    : null;
}

const CONSUL_LOG_LEVELS: Readonly<Record<string, string>> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  err: 'error',
  error: 'error',
};

/** `ports { ... }`: the listeners cairn has. */
const PORTS: Readonly<Record<string, string>> = {
  http: 'http-port',
  https: 'https-port',
  dns: 'dns-port',
  server: 'server-port',
};

/** TLS settings, under `tls.defaults`, `tls.internal_rpc`, `tls.https` or (older files) the top level. */
const TLS: Readonly<Record<string, string>> = {
  ca_file: 'tls-ca-file',
  cert_file: 'tls-cert-file',
  key_file: 'tls-key-file',
  verify_incoming: 'tls-verify-incoming',
  verify_outgoing: 'tls-verify-outgoing',
  verify_server_hostname: 'tls-verify-server-hostname',
};

/**
 * Translates one configuration object. `isCairnKey` says whether a kebab-case name is one of the
 * agent's own flags (those keys pass through unchanged and win over a Consul key for the same
 * setting, as the more specific).
 */
export function translateConsulConfig(
  obj: Readonly<Record<string, unknown>>,
  isCairnKey: (name: string) => boolean,
): TranslatedConfig {
  const own: Record<string, unknown> = {};
  const consul: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  const warnings: string[] = [];
  const ignored = (key: string, why: string) => warnings.push(`${key}: ${why}; ignored`);
  const set = (name: string, value: unknown, from: string) => {
    consul[name] = value;
    if (!Object.hasOwn(own, name)) sources[name] = from;
  };
  let advertiseHost: string | null = null;

  const tlsBlock = (prefix: string, b: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(b)) {
      const name = TLS[k];
      if (name !== undefined) set(name, v, `${prefix}.${k}`);
      else ignored(`${prefix}.${k}`, 'a TLS setting cairn does not have');
    }
  };

  for (const [key, value] of Object.entries(obj)) {
    const kebab = key.replace(/_/g, '-');
    if (kebab === 'log-level') {
      // Consul writes levels in capitals and has "err".
      const level = typeof value === 'string' ? CONSUL_LOG_LEVELS[value.toLowerCase()] : undefined;
      own[kebab] = level ?? value;
      sources[kebab] = key;
      continue;
    }
    if (isCairnKey(kebab)) {
      own[kebab] = value;
      sources[kebab] = key;
      continue;
    }
    switch (key) {
      case 'server':
        if (value === false)
          ignored(key, 'cairn runs servers only (clients reach them over HTTP, DNS or the SDK)');
        break;
      case 'bootstrap':
        if (value === true) set('bootstrap-expect', 1, key);
        break;
      case 'node_name':
        set('node', value, key);
        break;
      case 'bind_addr':
        set('bind', value, key);
        break;
      case 'client_addr':
        set('client', value, key);
        break;
      case 'advertise_addr':
        advertiseHost = typeof value === 'string' ? value : null;
        if (advertiseHost === null) ignored(key, 'not a string');
        break;
      case 'retry_join':
      case 'start_join': {
        const list = Array.isArray(value) ? value : [value];
        const joins: string[] = [];
        for (const j of list) {
          if (typeof j !== 'string') {
            ignored(`${key} entry ${JSON.stringify(j)}`, 'not a string');
          } else if (j.includes('provider=')) {
            ignored(`${key} "${j}"`, 'cloud auto-join is not supported; list the servers');
          } else {
            // Consul joins an address without a port at its default port; cairn's servers meet on 8300.
            joins.push(/^[^:\s]+$/.test(j) ? `${j}:${DEFAULT_SERVER_PORT}` : j);
          }
        }
        const before = Array.isArray(consul.join) ? (consul.join as string[]) : [];
        set('join', [...before, ...joins], key);
        break;
      }
      case 'ports': {
        const b = block(value);
        if (b === null) {
          ignored(key, 'not a block');
          break;
        }
        for (const [p, v] of Object.entries(b)) {
          const name = PORTS[p];
          if (name !== undefined) set(name, v, `ports.${p}`);
          else ignored(`ports.${p}`, 'cairn has no such listener');
        }
        break;
      }
      case 'addresses': {
        const b = block(value);
        if (b === null) {
          ignored(key, 'not a block');
          break;
        }
        // cairn has one client address for HTTP, HTTPS and DNS: the HTTP one stands for all.
        const first = b.http ?? b.https ?? b.dns;
        if (first !== undefined) set('client', first, 'addresses');
        for (const [a, v] of Object.entries(b)) {
          if (!['http', 'https', 'dns'].includes(a)) ignored(`addresses.${a}`, 'cairn has no such listener');
          else if (v !== first)
            ignored(`addresses.${a}`, `cairn serves HTTP, HTTPS and DNS on one address (${String(first)})`);
        }
        break;
      }
      case 'tls': {
        const b = block(value);
        if (b === null) {
          ignored(key, 'not a block');
          break;
        }
        for (const [part, v] of Object.entries(b)) {
          const inner = block(v);
          if (['defaults', 'internal_rpc', 'https'].includes(part) && inner !== null)
            tlsBlock(`tls.${part}`, inner);
          else ignored(`tls.${part}`, 'a TLS section cairn does not have');
        }
        break;
      }
      case 'ca_file':
      case 'cert_file':
      case 'key_file':
      case 'verify_incoming':
      case 'verify_outgoing':
      case 'verify_server_hostname':
        set(TLS[key] as string, value, key);
        break;
      case 'dns_config': {
        const b = block(value);
        if (b === null) {
          ignored(key, 'not a block');
          break;
        }
        for (const [k, v] of Object.entries(b)) {
          if (k === 'only_passing') set('dns-only-passing', v, `dns_config.${k}`);
          else if (k === 'node_ttl') set('dns-ttl', v, `dns_config.${k}`);
          else if (k === 'service_ttl') {
            const ttls = block(v);
            const all = ttls?.['*'];
            if (all !== undefined) set('dns-service-ttl', all, 'dns_config.service_ttl');
            for (const svc of Object.keys(ttls ?? {})) {
              if (svc !== '*') ignored(`dns_config.service_ttl.${svc}`, 'cairn has one service TTL ("*")');
            }
          } else if (k === 'a_record_limit') set('dns-answer-limit', v, `dns_config.${k}`);
          else if (k === 'udp_answer_limit') {
            ignored(
              'dns_config.udp_answer_limit',
              'Consul counts records, cairn bytes: use dns_udp_answer_limit',
            );
          } else ignored(`dns_config.${k}`, 'a DNS setting cairn does not have');
        }
        break;
      }
      case 'limits': {
        const b = block(value);
        for (const [k, v] of Object.entries(b ?? {})) {
          if (k === 'http_max_conns_per_client') set('http-max-conns-per-client', v, `limits.${k}`);
          else ignored(`limits.${k}`, 'a limit cairn does not have');
        }
        break;
      }
      case 'acl':
        ignored(key, 'access control is not implemented yet');
        break;
      default:
        ignored(key, 'a Consul setting cairn does not use');
    }
  }

  if (advertiseHost !== null) {
    const port = own['server-port'] ?? consul['server-port'] ?? DEFAULT_SERVER_PORT;
    set('advertise', `${advertiseHost}:${String(port)}`, 'advertise_addr');
  }
  // The file's own cairn keys win over translated Consul keys for the same setting.
  return { settings: { ...consul, ...own }, sources, warnings };
}
