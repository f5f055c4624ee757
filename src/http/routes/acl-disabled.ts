import { HttpError } from '../errors.js';
import { none } from './acl.js';
import type { HttpMethod, Route } from './types.js';

/**
 * Until access control exists, every ACL endpoint answers as a Consul agent with ACLs off:
 * 401 "ACL support disabled", which Consul's clients and tools take to mean "no tokens needed".
 */
function disabled(): never {
  throw new HttpError('HTTP_ACL_DISABLED', 'ACL support disabled');
}

const entry = (method: HttpMethod | readonly HttpMethod[], read: 'local' | 'write'): Route => ({
  method,
  url: '/v1/acl/*',
  read,
  acl: none,
  summary: 'access control is off: 401 "ACL support disabled", as Consul with ACLs disabled',
  handler: disabled,
});

export const aclDisabledRoutes: readonly Route[] = [
  entry('GET', 'local'),
  entry(['PUT', 'POST', 'DELETE'], 'write'),
];
