import type { IncomingMessage, Server } from 'node:http';
import { type AddressInfo, isIPv4 } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import Docker from 'dockerode';
import { Hono } from 'hono';
import { type Logger, pino } from 'pino';
import { createApp } from './app.ts';
import { toAppPath } from './base-path/index.ts';
import type { Config } from './config/index.ts';
import { CLOSE_GOING_AWAY } from './contract/terminal.ts';
import { answerError } from './errors/answer-error.ts';
import { ApiError } from './errors/index.ts';
import { refuseUpgrade } from './errors/refuse-upgrade.ts';
import { readiness } from './health/readiness.ts';
import { prettyDestination } from './logs/pretty.ts';
import { createMetrics, type Metrics } from './metrics/index.ts';
import { metricsHandler } from './metrics/routes.ts';
import { mirrorRunning, startMirror } from './mirror/mirror.ts';
import { mirrorHook } from './mirror/network-hook.ts';
import { Preparation, type PreparationWork } from './preparation/preparation.ts';
import { PreviewProxy, sandboxUpstream } from './preview/proxy.ts';
import { isAllowedHost, unknownHost } from './requests/allowed-hosts.ts';
import { createListener } from './requests/listener.ts';
import { PREVIEW_HEADERS } from './requests/security-headers.ts';
import { DnsForwarder } from './sandboxes/dns-forwarder.ts';
import { dockerDriver } from './sandboxes/docker/index.ts';
import { applyFirewall, FirewallError, firewallInstalled, hostResolvers } from './sandboxes/firewall.ts';
import { checkHostKernel } from './sandboxes/host-kernel.ts';
import { Reaper } from './sessions/reaper.ts';
import { Sessions } from './sessions/sessions.ts';
import { GuestEvents, isGuestEventsPath } from './sharing/events.ts';
import { TerminalSockets } from './terminals/sockets.ts';

export type RunningServer = {
  url: string;
  /** Where port previews are served: the same host on its own port, so a reader's app never runs on the site's origin. */
  previewUrl: string;
  /** Where `/metrics` has a listener of its own (BERTH_METRICS_PORT), if it has one. */
  metricsUrl?: string;
  /**
   * Stops accepting, closes terminals with 1001 and leaves every session's sandbox for the next run
   * to adopt; the warm pool's are removed, since no one else holds their tokens.
   */
  shutdown(): Promise<void>;
};

/** How long a client may take to send a whole request: the API's bodies are at most 16 KiB. */
const SITE_REQUEST_TIMEOUT_MS = 30_000;
/** A reader may upload to their app through the preview: it gets longer. */
const PREVIEW_REQUEST_TIMEOUT_MS = 300_000;

/** What a request outside the base path gets: not found, and where the site is. */
const outsideBase = (base: string) => new ApiError('not_found', `Berth is served under ${base} here.`);

/** The server's log: pino JSON, one line per lifecycle event. */
export function serverLog(config: Config): Logger {
  const options = { level: config.logLevel, base: { service: 'berth', instance: config.instance } };
  // A person at a terminal reads lines; anything else (compose, systemd, a file) gets JSON.
  return process.stdout.isTTY ? pino(options, prettyDestination(process.stdout)) : pino(options);
}

/** What a server prepares after it listens, instead of before (`--prepare`; preparation/). */
export type StartOptions = { prepare?: PreparationWork };

/** The last step of a preparation: the DNS forwarder, the mirror, adopting sandboxes, the reaper. */
const SANDBOXES_STEP = 'the sandboxes';

/**
 * Wires the parts together, re-adopts sandboxes a previous run left, and listens. With
 * `prepare`, it listens first and answers `preparing` for sandboxes until the work is done.
 */
export async function startServer(
  config: Config,
  log = serverLog(config),
  options: StartOptions = {},
): Promise<RunningServer> {
  await checkHostKernel(config.sandbox.runtime);
  let stopRenewing = () => {};
  if (config.firewall) stopRenewing = await installFirewall(config, log);
  else
    log.warn(
      { event: 'firewall_off' },
      'BERTH_FIREWALL=off: sandboxes may reach the host, its network and 169.254.169.254, and BERTH_EGRESS is not enforced',
    );
  const docker = new Docker();
  const metrics = createMetrics();
  const dns = config.egress.policy === 'mirrors' ? dnsForwarder(docker, config, log) : undefined;
  const driver = dockerDriver({
    docker,
    instance: config.instance,
    settings: config.sandbox,
    log,
    networkHooks: [mirrorHook(docker)],
    dns,
  });
  const sessions = new Sessions(driver, config, metrics, log);
  const reaper = new Reaper(sessions, driver, config, metrics, log);
  let stopReaping = () => {};
  const startSandboxes = async () => {
    if (dns) await startDnsForwarder(docker, dns, log);
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
    stopReaping = reaper.start();
  };
  const work = options.prepare;
  const preparation = work ? new Preparation([...work.labels, SANDBOXES_STEP]) : Preparation.done();
  if (!work) await startSandboxes();
  const terminals = new TerminalSockets(sessions, driver, config, metrics, log);
  const guestEvents = new GuestEvents(sessions, config, log, metrics);
  // Previews are streamed by Node itself, bodies and all, on their own origin (see config.preview).
  const preview = new PreviewProxy(sessions, sandboxUpstream(driver), log);
  const hostAllowed = (req: IncomingMessage) => isAllowedHost(req.headers.host, config.allowedHosts);
  const previewServer = createListener((req, res) => {
    if (hostAllowed(req)) preview.handleRequest(req, res);
    else answerError(res, unknownHost(), PREVIEW_HEADERS);
  }, PREVIEW_REQUEST_TIMEOUT_MS);
  previewServer.on('upgrade', (req, socket, head) => {
    if (hostAllowed(req)) preview.handleUpgrade(req, socket, head);
    else refuseUpgrade(socket, unknownHost());
  });
  const previewAddress = await listen(previewServer, config.preview.port, config.host);
  const previewOrigin = (requestUrl: string) => {
    if (config.preview.origin) return config.preview.origin;
    const { protocol, hostname } = new URL(requestUrl);
    return `${protocol}//${hostname}:${previewAddress.port}`;
  };

  const ready = readiness({
    ...(work ? { prepared: async () => preparation.ready } : {}),
    image: () => driver.preflight().then(() => true),
    mirror: config.mirrorMode === 'off' ? undefined : () => mirrorRunning(docker),
    firewall: config.firewall ? () => firewallInstalled(config.sandbox.subnets) : undefined,
  });
  const app = createApp({
    config,
    sessions,
    driver,
    metrics,
    log,
    previewOrigin,
    readiness: ready,
    preparation,
  });
  const handleRequest = getRequestListener(app.fetch);
  const base = config.basePath;
  const server = createListener((req, res) => {
    if (!hostAllowed(req)) answerError(res, unknownHost());
    else if (toAppPath(req, base)) return handleRequest(req, res);
    else if (req.url === '/') res.writeHead(302, { location: base }).end();
    else answerError(res, outsideBase(base));
  }, SITE_REQUEST_TIMEOUT_MS);
  server.on('upgrade', (req, socket, head) => {
    if (!hostAllowed(req)) refuseUpgrade(socket, unknownHost(), metrics);
    else if (!toAppPath(req, base)) refuseUpgrade(socket, outsideBase(base), metrics);
    else if (!preparation.ready) refuseUpgrade(socket, preparation.refusal(), metrics);
    else if (isGuestEventsPath(req.url)) guestEvents.handleUpgrade(req, socket, head);
    else terminals.handleUpgrade(req, socket, head);
  });
  const url = (await listen(server, config.port, config.host)).url;
  const previewUrl = previewAddress.url;
  const metricsServer = config.metrics.port === undefined ? undefined : metricsListener(metrics);
  const metricsUrl =
    metricsServer && (await listen(metricsServer, config.metrics.port ?? 0, config.host)).url;
  log.info(
    { event: 'listening', url, previewUrl, ...(metricsUrl ? { metricsUrl } : {}) },
    `Berth is serving at ${url}, previews at ${previewUrl}${metricsUrl ? `, metrics at ${metricsUrl}/metrics` : ''}`,
  );
  if (work) {
    preparation.start(async (step) => {
      await work.run(step);
      await step(SANDBOXES_STEP, startSandboxes);
    }, log);
  }

  return {
    url,
    previewUrl,
    ...(metricsUrl ? { metricsUrl } : {}),
    async shutdown() {
      preparation.stop();
      stopReaping();
      metricsServer?.close();
      metricsServer?.closeAllConnections();
      stopRenewing();
      previewServer.close();
      previewServer.closeAllConnections();
      preview.closeAll();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      guestEvents.closeAll(CLOSE_GOING_AWAY, 'server shutting down');
      const detached = terminals.closeAll(CLOSE_GOING_AWAY, 'server shutting down');
      server.closeIdleConnections();
      await Promise.race([detached, new Promise((resolve) => setTimeout(resolve, 3000))]);
      await Promise.all([sessions.settle(), sessions.closePool()]);
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000))]);
      server.closeAllConnections();
      log.info({ event: 'shutdown' }, 'stopped; session sandboxes are left for the next start to adopt');
    },
  };
}

/**
 * Under `mirrors`, sandboxes resolve names only through a forwarder that answers the mirrors'
 * names; it must run, or DNS would be the way out that the policy closes everywhere else.
 */
function dnsForwarder(docker: Docker, config: Config, log: Logger): DnsForwarder {
  const names = config.egress.mirrors.filter((mirror) => !isIPv4(mirror));
  return new DnsForwarder(docker, config.instance, log, async () => ({
    names,
    resolvers: await hostResolvers(),
  }));
}

async function startDnsForwarder(docker: Docker, forwarder: DnsForwarder, log: Logger): Promise<void> {
  // Without an engine the server still serves the site; the forwarder is made with the first sandbox.
  const engineAnswers = await docker.ping().then(
    () => true,
    () => false,
  );
  if (!engineAnswers) {
    log.warn('could not start the DNS forwarder yet: is the Docker engine running?');
    return;
  }
  await forwarder.ensure().catch((error: unknown) => {
    throw new FirewallError(
      `could not start the sandboxes' DNS forwarder (${(error as Error).message}): run \`npm run images\`, which builds berth/dns, or choose another BERTH_EGRESS`,
    );
  });
}

/** How often the firewall is installed again under `mirrors`, to follow the mirror's addresses. */
const FIREWALL_RENEW_MS = 5 * 60 * 1000;

/** Installs the sandbox firewall; under `mirrors`, again every few minutes. Returns how to stop that. */
async function installFirewall(config: Config, log: Logger): Promise<() => void> {
  const install = async () => {
    const { unresolved } = await applyFirewall(config.sandbox.subnets, config.egress);
    if (unresolved.length > 0) {
      log.warn(
        { event: 'egress_mirror_unresolved', mirrors: unresolved },
        `package mirrors that did not resolve, so sandboxes cannot reach them yet: ${unresolved.join(', ')}`,
      );
    }
  };
  await install();
  log.info(
    { event: 'firewall_installed', egress: config.egress.policy },
    `sandbox firewall installed, egress ${config.egress.policy}`,
  );
  if (config.egress.policy !== 'mirrors') return () => {};
  const timer = setInterval(() => {
    install().catch((error: unknown) => log.warn({ err: error }, 'could not renew the sandbox firewall'));
  }, FIREWALL_RENEW_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** `/metrics` alone, for a listener only the scraper reaches: anything else is 404. */
function metricsListener(metrics: Metrics): Server {
  const app = new Hono();
  app.get('/metrics', metricsHandler(metrics));
  app.notFound((c) => c.json(new ApiError('not_found', 'Only /metrics is served here.').toBody(), 404));
  return createListener(getRequestListener(app.fetch), SITE_REQUEST_TIMEOUT_MS);
}

async function listen(server: Server, port: number, host: string): Promise<{ port: number; url: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.address.includes(':') ? `[${address.address}]` : address.address;
  return { port: address.port, url: `http://${shown}:${address.port}` };
}
