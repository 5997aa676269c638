/**
 * /healthz (the process answers), /readyz (every readiness check passes) and /metrics (Prometheus), on a
 * loopback port of their own so they never share a listener with the chat-facing web page.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.ts';

/** A readiness check: true, or a sentence saying what is not ready. */
export type ReadinessCheck = () => true | string;

export interface HealthServerOptions {
  host: string;
  port: number;
  metrics: Metrics;
  checks: Record<string, ReadinessCheck>;
}

export interface HealthServer {
  start(): Promise<{ url: string }>;
  stop(): Promise<void>;
}

export function createHealthServer(options: HealthServerOptions): HealthServer {
  const server = http.createServer((request, response) => {
    const send = (status: number, body: string, type = 'application/json') => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method !== 'GET') return send(405, JSON.stringify({ error: 'GET only' }));
    if (url.pathname === '/healthz') return send(200, JSON.stringify({ status: 'ok' }));
    if (url.pathname === '/readyz') {
      const results = Object.fromEntries(
        Object.entries(options.checks).map(([name, check]) => {
          try {
            return [name, check()];
          } catch (error) {
            return [name, `check failed: ${(error as Error).message}`];
          }
        }),
      );
      const ready = Object.values(results).every((r) => r === true);
      return send(ready ? 200 : 503, JSON.stringify({ status: ready ? 'ready' : 'not ready', checks: results }));
    }
    if (url.pathname === '/metrics') {
      options.metrics
        .text()
        .then((text) => send(200, text, options.metrics.registry.contentType))
        .catch((error: Error) => send(500, JSON.stringify({ error: error.message })));
      return;
    }
    send(404, JSON.stringify({ error: 'not found', endpoints: ['/healthz', '/readyz', '/metrics'] }));
  });

  return {
    start: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          const { port } = server.address() as AddressInfo;
          resolve({ url: `http://${options.host}:${port}` });
        });
      }),
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
