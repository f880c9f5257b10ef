import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Node's HTTP server on 127.0.0.1 and a free port chosen by the OS. */
export class LoopbackServer {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static listen(handler: RequestListener): Promise<LoopbackServer> {
    const server = createServer(handler);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve(new LoopbackServer(server, (server.address() as AddressInfo).port));
      });
    });
  }

  /** Closes kept-alive client connections too, so a test run does not wait on them. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections();
    });
  }
}
