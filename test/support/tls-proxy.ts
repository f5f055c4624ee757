/**
 * A TLS front for a plain-HTTP agent, on a free loopback port: it terminates TLS with the given
 * certificate and pipes the bytes to the agent, so HTTPS requests and WSS upgrades both reach it.
 * With `requireClientCert` it asks for a client certificate signed by `ca` and refuses the
 * handshake without one, as an agent with --tls-verify-incoming does.
 */
import { connect } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';

export interface TlsProxyOptions {
  readonly target: number;
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
  readonly requireClientCert: boolean;
}

export class TlsProxy {
  /** The subject CN of each client certificate presented on an accepted connection. */
  readonly clientNames: string[] = [];
  /** The first request line of each accepted connection ("GET /v1/watch HTTP/1.1"). */
  readonly firstLines: string[] = [];
  readonly #sockets = new Set<{ destroy(): void }>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(o: TlsProxyOptions): Promise<TlsProxy> {
    let proxy: TlsProxy | null = null;
    const server = createServer(
      {
        cert: o.cert,
        key: o.key,
        ca: [o.ca],
        requestCert: o.requireClientCert,
        rejectUnauthorized: o.requireClientCert,
      },
      (client) => proxy?.accept(client, o.target),
    );
    server.on('tlsClientError', () => {});
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const a = server.address();
    const port = typeof a === 'object' && a !== null ? a.port : 0;
    proxy = new TlsProxy(server, port);
    return proxy;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get hostPort(): string {
    return `127.0.0.1:${this.port}`;
  }

  accept(client: TLSSocket, target: number): void {
    this.#sockets.add(client);
    const cn = client.getPeerCertificate()?.subject?.CN;
    if (typeof cn === 'string') this.clientNames.push(cn);
    client.on('error', () => {});
    client.once('data', (first: Buffer) => {
      this.firstLines.push(first.toString('latin1').split('\r\n')[0] ?? '');
      const upstream = connect(target, '127.0.0.1', () => {
        upstream.write(first);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      this.#sockets.add(upstream);
      upstream.on('error', () => {});
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
