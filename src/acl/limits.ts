/**
 * Caps on one policy, so a policy write cannot make every later decision or parse slow. Consul
 * has none; real policies hold tens of rules, and a 100-rule policy is about 4 KiB of HCL.
 */
export const MAX_RULES_BYTES = 128 * 1024;
export const MAX_RULES = 2000;
