import { InvalidArgumentError } from '../errors.js';

export interface ServerPoolOptions {
  /** Uniform in [0,1): where in the list this client starts, so clients spread over servers. */
  readonly random: () => number;
  /** The scheme of an address given as bare host:port (default http). */
  readonly scheme?: 'http' | 'https';
  /** How long a server that failed is tried only as a last resort, doubling per failure in a row. */
  readonly downBaseMs?: number;
  readonly downMaxMs?: number;
}

interface Entry {
  readonly url: string;
  failures: number;
  downUntil: number;
}

/**
 * Which server to try, in order, for one request. Pure: the caller passes the time.
 *
 * Sticky: the server that last answered is tried first, so a client keeps its connections warm
 * on one server. A server that fails (connection refused, timed out, no leader) is moved out of
 * the way for a back-off period that doubles per failure in a row; such servers are still
 * tried last, earliest-to-recover first, so bookkeeping alone never fails a request. Writes may
 * ask for the leader first (when a hint says which it is): that saves the follower's forwarding
 * hop, and a follower that has lost its leader cannot hold them up.
 */
export class ServerPool {
  readonly #entries: Entry[] = [];
  readonly #downBaseMs: number;
  readonly #downMaxMs: number;
  #preferred: number;
  #leader: string | null = null;
  readonly #scheme: 'http' | 'https';

  constructor(servers: readonly string[], opts: ServerPoolOptions) {
    this.#scheme = opts.scheme ?? 'http';
    for (const s of servers) this.add(s);
    if (this.#entries.length === 0)
      throw new InvalidArgumentError('servers: at least one address is required');
    this.#downBaseMs = opts.downBaseMs ?? 500;
    this.#downMaxMs = opts.downMaxMs ?? 15_000;
    this.#preferred = Math.min(
      this.#entries.length - 1,
      Math.floor(Math.max(0, opts.random()) * this.#entries.length),
    );
  }

  get servers(): readonly string[] {
    return this.#entries.map((e) => e.url);
  }

  /** The server requests go to first (the last one that answered). */
  get preferred(): string {
    return (this.#entries[this.#preferred] as Entry).url;
  }

  get leader(): string | null {
    return this.#leader;
  }

  /** Adds a server (normalized); returns its URL. Known servers are not added twice. */
  add(address: string): string {
    const url = normalizeServer(address, this.#scheme);
    if (!this.#entries.some((e) => e.url === url)) this.#entries.push({ url, failures: 0, downUntil: 0 });
    return url;
  }

  /** Whether the client was given https servers: leader hints then name https addresses. */
  get https(): boolean {
    return this.#entries.some((e) => e.url.startsWith('https:'));
  }

  /**
   * A hint of which server leads (null: unknown). An unknown address is added, over TLS only when
   * the hint is an https:// address: a plain one would send requests (and the token) in the
   * clear, so it is taken only if it names a server already known.
   */
  setLeader(address: string | null): void {
    if (address === null) {
      this.#leader = null;
      return;
    }
    if (!this.https || /^https:\/\//i.test(address)) {
      this.#leader = this.add(address);
      return;
    }
    const url = normalizeServer(address, this.#scheme);
    this.#leader = this.#find(url) ? url : null;
  }

  isDown(url: string, now: number): boolean {
    const e = this.#find(url);
    return e !== undefined && e.downUntil > now;
  }

  /** Every server, in the order to try them now. */
  order(now: number, preferLeader = false): string[] {
    const n = this.#entries.length;
    const up: string[] = [];
    const down: Entry[] = [];
    for (let k = 0; k < n; k++) {
      const e = this.#entries[(this.#preferred + k) % n] as Entry;
      if (e.downUntil > now) down.push(e);
      else up.push(e.url);
    }
    const leader = this.#leader;
    if (preferLeader && leader !== null && up.includes(leader)) {
      up.splice(up.indexOf(leader), 1);
      up.unshift(leader);
    }
    down.sort((a, b) => a.downUntil - b.downUntil);
    return [...up, ...down.map((e) => e.url)];
  }

  /** The server answered; unless `sticky` is false (a write sent to the leader), it is tried first from now on. */
  succeeded(url: string, sticky = true): void {
    const i = this.#entries.findIndex((e) => e.url === url);
    if (i < 0) return;
    const e = this.#entries[i] as Entry;
    e.failures = 0;
    e.downUntil = 0;
    if (sticky) this.#preferred = i;
  }

  /** The server could not be used: keep it out of the way for a while. */
  failed(url: string, now: number): void {
    const i = this.#entries.findIndex((e) => e.url === url);
    if (i < 0) return;
    const e = this.#entries[i] as Entry;
    e.failures++;
    e.downUntil = now + Math.min(this.#downMaxMs, this.#downBaseMs * 2 ** Math.min(e.failures - 1, 20));
    if (this.#leader === url) this.#leader = null;
    if (this.#preferred === i) this.#preferred = (i + 1) % this.#entries.length;
  }

  #find(url: string): Entry | undefined {
    return this.#entries.find((e) => e.url === url);
  }
}

/** "127.0.0.1:8500", "http://host:8500/" → "http://127.0.0.1:8500"; a bare address gets `scheme`. */
export function normalizeServer(address: string, scheme: 'http' | 'https' = 'http'): string {
  let s = address.trim();
  if (s === '') throw new InvalidArgumentError('servers: an empty address');
  if (!/^https?:\/\//i.test(s)) s = `${scheme}://${s}`;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new InvalidArgumentError(`servers: "${address}" is not host:port or an http(s) URL`);
  }
  if (u.pathname !== '/' && u.pathname !== '') {
    throw new InvalidArgumentError(`servers: "${address}" must not have a path`);
  }
  return `${u.protocol}//${u.host}`;
}

/** The WebSocket URL of a server's watch endpoint. */
export function watchUrl(server: string): string {
  return `${server.replace(/^http/i, 'ws')}/v1/watch`;
}
