import { AclError } from './errors.js';
import type { Policy } from './types.js';

/** Consul's rule for identity names: lower-case letters, digits, '-' and '_', not at the ends. */
const IDENTITY_NAME = /^[a-z0-9]([a-z0-9\-_]*[a-z0-9])?$/;
const IDENTITY_NAME_MAX = 256;

export interface ServiceIdentity {
  readonly ServiceName: string;
  /** The datacenters where it applies; empty or absent for all. */
  readonly Datacenters?: readonly string[];
}

export interface NodeIdentity {
  readonly NodeName: string;
  readonly Datacenter: string;
}

/** Refuses a name Consul would refuse, naming the field it came in. */
export function checkIdentityName(name: string, field: 'ServiceName' | 'NodeName'): void {
  if (name.length > IDENTITY_NAME_MAX)
    throw new AclError(
      'ACL_INVALID_IDENTITY',
      `longer than ${IDENTITY_NAME_MAX} characters`,
      undefined,
      undefined,
      field,
    );
  if (!IDENTITY_NAME.test(name))
    throw new AclError(
      'ACL_INVALID_IDENTITY',
      `${JSON.stringify(name)} is not a valid identity name (only lower-case letters, digits, '-' and '_', starting and ending with a letter or digit)`,
      undefined,
      undefined,
      field,
    );
}

/**
 * What a service identity grants, as Consul synthesizes it: write on the service and its sidecar
 * proxy, read on every service and node (to discover what it calls). Null outside its datacenters.
 */
export function serviceIdentityPolicy(identity: ServiceIdentity, datacenter: string): Policy | null {
  checkIdentityName(identity.ServiceName, 'ServiceName');
  const dcs = identity.Datacenters ?? [];
  if (dcs.length > 0 && !dcs.includes(datacenter)) return null;
  const name = identity.ServiceName;
  return {
    name: `service-identity:${name}`,
    rules: [
      { resource: 'service', segment: name, prefix: false, policy: 'write' },
      { resource: 'service', segment: `${name}-sidecar-proxy`, prefix: false, policy: 'write' },
      { resource: 'service', segment: '', prefix: true, policy: 'read' },
      { resource: 'node', segment: '', prefix: true, policy: 'read' },
    ],
  };
}

/**
 * What a node identity grants, as Consul synthesizes it: write on the node (to register itself),
 * read on every service (to compare its own against the catalog). Null in other datacenters.
 */
export function nodeIdentityPolicy(identity: NodeIdentity, datacenter: string): Policy | null {
  checkIdentityName(identity.NodeName, 'NodeName');
  if (identity.Datacenter !== datacenter) return null;
  return {
    name: `node-identity:${identity.NodeName}`,
    rules: [
      { resource: 'node', segment: identity.NodeName, prefix: false, policy: 'write' },
      { resource: 'service', segment: '', prefix: true, policy: 'read' },
    ],
  };
}
