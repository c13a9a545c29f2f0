import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { DnsForwarder } from '../dns-forwarder.ts';
import type { SandboxDriver } from '../driver.ts';
import type { SandboxSettings } from './container-spec.ts';
import type { Engine } from './engine.ts';
import { execBounded } from './exec.ts';
import { getFiles, putFiles } from './files.ts';
import { DockerLifecycle, type NetworkHook } from './lifecycle.ts';
import { DockerMetering } from './metering.ts';
import { relayPort } from './port-relay.ts';
import { attachTerminal, closeTerminal } from './terminal-attach.ts';

export type { NetworkHook } from './lifecycle.ts';

export type DockerDriverOptions = {
  docker: Docker;
  instance: string;
  settings: SandboxSettings;
  log: Logger;
  /** Attached to every sandbox's network from the start: the registry mirror. */
  networkHooks?: NetworkHook[];
  /** Under the `mirrors` egress policy, the only DNS a sandbox reaches. */
  dns?: DnsForwarder;
};

/**
 * Sandboxes as containers on one Docker engine: the lifecycle (lifecycle.ts), access to a running
 * sandbox (terminal-attach.ts, exec.ts, port-relay.ts) and metering (metering.ts) as one driver.
 */
export function dockerDriver(options: DockerDriverOptions): SandboxDriver {
  const engine: Engine = { docker: options.docker, instance: options.instance };
  const metering = new DockerMetering(engine);
  const lifecycle = new DockerLifecycle({
    engine,
    settings: options.settings,
    log: options.log,
    networkHooks: options.networkHooks ?? [],
    dns: options.dns,
    onStopped: (sessionId) => metering.forget(sessionId),
  });
  return {
    answers: () => lifecycle.answers(),
    preflight: () => lifecycle.preflight(),
    start: (sessionId, owner, startOptions) => lifecycle.start(sessionId, owner, startOptions),
    own: (sessionId, owner) => lifecycle.own(sessionId, owner),
    addHost: (sessionId, host, owner, startOptions) =>
      lifecycle.addHost(sessionId, host, owner, startOptions),
    removeHost: (sessionId, host) => lifecycle.removeHost(sessionId, host),
    ready: (sessionId, host, startOptions) => lifecycle.ready(sessionId, host, startOptions),
    stop: (sessionId) => lifecycle.stop(sessionId),
    list: () => lifecycle.list(),
    sweep: (keep) => lifecycle.sweep(keep),
    recordShare: (sessionId, share) => lifecycle.recordShare(sessionId, share),
    forgetShare: (sessionId, shareId) => lifecycle.forgetShare(sessionId, shareId),
    openTerminal: (sessionId, host, name, size, attach) =>
      attachTerminal(engine, options.log, sessionId, host, name, size, attach),
    closeTerminal: (sessionId, host, name) => closeTerminal(engine, sessionId, host, name),
    exec: (sessionId, host, argv) => execBounded(engine, sessionId, host, argv),
    connect: (sessionId, host, port) => relayPort(engine, sessionId, host, port),
    putFiles: (sessionId, host, terminal, archive) => putFiles(engine, sessionId, host, terminal, archive),
    getFiles: (sessionId, host, terminal, path) => getFiles(engine, sessionId, host, terminal, path),
    diskUsage: (sessionId, hosts) => metering.diskUsage(sessionId, hosts),
    cpuSeconds: (sessionId, hosts) => metering.cpuSeconds(sessionId, hosts),
  };
}
