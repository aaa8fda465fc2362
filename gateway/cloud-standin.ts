import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';

/**
 * A second embedded broker standing in for the cloud when none is configured
 * (`parkwatch start` on a fresh clone), so the uplink and the outbox run exactly as in the
 * field. Anyone on localhost may subscribe to watch what would reach the cloud.
 */
export class CloudStandIn {
  private broker: Aedes | undefined;
  private server: Server | undefined;
  port = 0;

  async start(host = '127.0.0.1', port = 0): Promise<string> {
    const broker = await Aedes.createBroker();
    const server = createServer(broker.handle);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.broker = broker;
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return `mqtt://${host}:${this.port}`;
  }

  async stop(): Promise<void> {
    const { server, broker } = this;
    this.server = undefined;
    this.broker = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (broker) await new Promise<void>((resolve) => broker.close(() => resolve()));
  }
}
