import { statfsSync } from 'node:fs';
import os from 'node:os';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpContext } from '../context.js';
import { CONSUL_COMPAT_BUILD_DATE, CONSUL_COMPAT_VERSION, cairnVersion } from '../version.js';
import { none, requires } from './acl.js';
import type { Route } from './types.js';

/** Consul's `/v1/agent/version`, with cairn's own version beside the Consul one it follows. */
function version() {
  return {
    SHA: '',
    BuildDate: CONSUL_COMPAT_BUILD_DATE,
    HumanVersion: CONSUL_COMPAT_VERSION,
    FIPS: '',
    CairnVersion: cairnVersion(),
  };
}

function percent(part: number, whole: number): number {
  return whole > 0 ? (part / whole) * 100 : 0;
}

/** The disk that holds the data directory; an error entry instead when it cannot be read. */
function disk(path: string | null): { disk: Record<string, unknown> | null; error: string | null } {
  if (path === null) return { disk: null, error: 'no data directory on disk' };
  try {
    const s = statfsSync(path);
    const total = s.blocks * s.bsize;
    const free = s.bavail * s.bsize;
    const used = total - s.bfree * s.bsize;
    return {
      disk: { path, fstype: '', total, free, used, usedPercent: percent(used, total) },
      error: null,
    };
  } catch (e) {
    return { disk: null, error: `disk: ${(e as Error).message}` };
  }
}

/**
 * Consul's `/v1/agent/host` (operator:read): the host the server runs on, in the shape of the
 * gopsutil records Consul returns, with the fields Node's `os` module can fill.
 */
function host(_req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  const d = disk(ctx.dataDir);
  const total = os.totalmem();
  const free = os.freemem();
  return {
    Memory: { total, available: free, used: total - free, usedPercent: percent(total - free, total), free },
    CPU: os.cpus().map((c, i) => ({
      cpu: i,
      vendorId: '',
      family: '',
      model: '',
      stepping: 0,
      physicalId: '',
      coreId: String(i),
      cores: 1,
      modelName: c.model,
      mhz: c.speed,
      cacheSize: 0,
      flags: [],
      microcode: '',
    })),
    Host: {
      hostname: os.hostname(),
      uptime: Math.floor(os.uptime()),
      bootTime: Math.floor(Date.now() / 1000 - os.uptime()),
      procs: 0,
      os: os.platform(),
      platform: '',
      platformFamily: '',
      platformVersion: '',
      kernelVersion: os.release(),
      kernelArch: os.arch() === 'x64' ? 'x86_64' : os.arch(),
      virtualizationSystem: '',
      virtualizationRole: '',
      hostid: ctx.self.id,
    },
    Disk: d.disk,
    CollectionTime: Date.now() * 1_000_000,
    Errors: d.error === null ? null : [d.error],
  };
}

const cluster = { doc: 'the cluster', of: () => '' };

export const agentInfoRoutes: readonly Route[] = [
  {
    method: 'GET',
    url: '/v1/agent/version',
    read: 'local',
    acl: none,
    summary: "the Consul version whose API cairn follows, and cairn's own",
    handler: version,
  },
  {
    method: 'GET',
    url: '/v1/agent/host',
    read: 'local',
    acl: requires('operator', 'read', cluster),
    summary: "the host the server runs on: memory, CPUs, OS, the data directory's disk",
    handler: host,
  },
];
