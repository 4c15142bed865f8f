import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running liveness endpoint. */
export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /healthz` on 127.0.0.1: 200 while `isHealthy()` holds, 503 otherwise; 404 for
 * anything else. Loopback only: the agent exposes nothing to the network. Port 0 picks a free port.
 */
export function startHealthServer(port: number, isHealthy: () => boolean): Promise<HealthServer> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/healthz') {
      res.writeHead(404).end();
      return;
    }
    const healthy = isHealthy();
    res.writeHead(healthy ? 200 : 503, { 'content-type': 'text/plain' }).end(healthy ? 'ok\n' : 'no cycle completed within 3 intervals\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
