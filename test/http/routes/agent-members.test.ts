import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../cluster/index.js';
import { InProcessCluster } from '../../support/in-process.js';

interface MemberJson {
  Name: string;
  Addr: string;
  Port: number;
  Tags: Record<string, string>;
}

describe('/v1/agent/members publishes the HTTPS API address (in process)', () => {
  let https: InProcessCluster;
  let plain: InProcessCluster;
  beforeAll(async () => {
    https = await InProcessCluster.start({ size: 3, httpsOnly: true });
    plain = await InProcessCluster.start({ size: 3 });
  });
  afterAll(async () => {
    await https?.stop();
    await plain?.stop();
  });

  it('every server shows every server with Tags.https, and Tags.http empty when there is no plain API', async () => {
    for (const s of https.servers) {
      const members = await waitUntil(`three https tags on ${s.name}`, async () => {
        const m = (await s.request<MemberJson[]>('GET', '/v1/agent/members')).json;
        return m.length === 3 && m.every((x) => x.Tags.https !== undefined) ? m : undefined;
      });
      expect(Object.fromEntries(members.map((m) => [m.Name, [m.Tags.http, m.Tags.https]]))).toEqual({
        s1: ['', '127.0.0.1:8501'],
        s2: ['', '127.0.0.2:8501'],
        s3: ['', '127.0.0.3:8501'],
      });
    }
  });

  it('a cluster without HTTPS shows no https tag, as before', async () => {
    const lead = plain.leader();
    const members = await waitUntil('three members', async () => {
      const m = (await lead.request<MemberJson[]>('GET', '/v1/agent/members')).json;
      return m.length === 3 ? m : undefined;
    });
    for (const m of members) {
      expect(m.Tags).not.toHaveProperty('https');
      expect(m.Tags.http).toMatch(/^127\.0\.0\.\d:8500$/);
    }
  });
});
