import { encodePath } from '../http/transport.js';
import type { FeedSpec } from '../watch/feed.js';
import type { Item } from '../watch/view.js';
import { arr, obj, parseJson } from '../wire.js';
import { type Endpoint, endpointFromEntry } from './endpoint.js';

function item(raw: unknown): Item<Endpoint> {
  const e = endpointFromEntry(raw);
  // The whole entry: any change the server reports (health, tags, address) is a change here.
  return { id: e.id, value: e, sig: JSON.stringify(raw) };
}

/** The instances of one service (`kind: "service"`; /v1/health/service/<name> when long-polling). */
export function serviceFeedSpec(
  service: string,
  passingOnly: boolean,
  tag: string | undefined,
): FeedSpec<Endpoint> {
  return {
    what: `service "${service}"`,
    subscription: () => ({
      kind: 'service',
      service,
      passing: passingOnly,
      ...(tag !== undefined ? { tag } : {}),
    }),
    snapshot: (m) => arr(m.body.instances, 'snapshot.instances').map(item),
    change: (m) => {
      const c = obj(m.body.instances, 'change.instances');
      return {
        upsert: [
          ...arr(c.added, 'change.instances.added'),
          ...arr(c.changed, 'change.instances.changed'),
        ].map(item),
        remove: arr(c.removed, 'change.instances.removed').filter(
          (id): id is string => typeof id === 'string',
        ),
      };
    },
    poll: () => ({
      path: `/v1/health/service/${encodePath(service)}`,
      query: { passing: passingOnly, tag },
    }),
    pollItems: (a) =>
      a.status === 404 ? [] : arr(parseJson(a.text, 'health list'), 'health list').map(item),
  };
}
