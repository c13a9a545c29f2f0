import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import Docker from 'dockerode';
import { pino } from 'pino';
import { createApp } from './app.ts';
import type { Config } from './config/index.ts';
import { createMetrics } from './metrics/index.ts';
import { startMirror } from './mirror/mirror.ts';
import { isPreviewPath } from './preview/preview-path.ts';
import { PreviewProxy } from './preview/proxy.ts';
import { DockerSandboxDriver } from './sandboxes/docker-driver.ts';
import { Sessions } from './sessions/sessions.ts';
import { CLOSE_GOING_AWAY } from './terminals/protocol.ts';
import { TerminalSockets } from './terminals/sockets.ts';

export type RunningServer = {
  url: string;
  /** Stops accepting, closes terminals with 1001 and leaves every sandbox for the next run to adopt. */
  shutdown(): Promise<void>;
};

/** Wires the parts together, re-adopts sandboxes a previous run left, and listens. */
export async function startServer(config: Config): Promise<RunningServer> {
  const log = pino({ level: config.logLevel, base: { service: 'berth', instance: config.instance } });
  const docker = new Docker();
  const metrics = createMetrics();
  const driver = new DockerSandboxDriver(docker, { ...config.sandbox, instance: config.instance }, log);
  const sessions = new Sessions(driver, config, metrics, log);
  if (config.mirrorMode !== 'off') {
    await startMirror(docker, log).catch((error: unknown) =>
      log.warn({ err: error }, 'could not start the mirror'),
    );
  }
  try {
    await sessions.adopt();
  } catch (error) {
    // The server still serves the site and says 503 for sandboxes; the reaper adopts once the engine answers.
    log.warn({ err: error }, 'could not adopt sandboxes yet: is the Docker engine running?');
  }
  const stopReaping = sessions.startReaping();
  const terminals = new TerminalSockets(sessions, driver, config, metrics, log);
  const app = createApp({ config, sessions, driver, metrics, log });

  const preview = new PreviewProxy(sessions, driver, log);
  const honoListener = getRequestListener(app.fetch);
  // Previews are streamed by Node itself, bodies and all; everything else is the Hono app's.
  const server = createServer((req, res) => {
    if (isPreviewPath(pathOf(req.url))) preview.handleRequest(req, res);
    else void honoListener(req, res);
  });
  server.on('upgrade', (req, socket, head) => {
    if (isPreviewPath(pathOf(req.url))) preview.handleUpgrade(req, socket, head);
    else terminals.handleUpgrade(req, socket, head);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${port}`;
  log.info({ event: 'listening', url }, `Berth is serving at ${url}`);

  return {
    url,
    async shutdown() {
      stopReaping();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const detached = terminals.closeAll(CLOSE_GOING_AWAY, 'server shutting down');
      server.closeIdleConnections();
      await Promise.race([detached, new Promise((resolve) => setTimeout(resolve, 3000))]);
      await sessions.settle();
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000))]);
      server.closeAllConnections();
      log.info({ event: 'shutdown' }, 'stopped; sandboxes are left for the next start to adopt');
    },
  };
}

function pathOf(url: string | undefined): string {
  return (url ?? '/').split('?')[0] ?? '/';
}
