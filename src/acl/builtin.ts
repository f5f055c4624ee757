import { isSingleLevel } from './resources.js';
import { type Policy, RESOURCES, type Rule } from './types.js';

/** Consul's fixed ID of the built-in management policy. */
export const GLOBAL_MANAGEMENT_ID = '00000000-0000-0000-0000-000000000001';

/** `global-management`: write on everything, intentions included (the HCL is in docs/acl.md). */
export const GLOBAL_MANAGEMENT: Policy = {
  name: 'global-management',
  rules: RESOURCES.map((resource): Rule => {
    if (isSingleLevel(resource)) return { resource, segment: '', prefix: false, policy: 'write' };
    const rule: Rule = { resource, segment: '', prefix: true, policy: 'write' };
    return resource === 'service' ? { ...rule, intentions: 'write' } : rule;
  }),
};
