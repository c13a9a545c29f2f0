import type { HostNetworkView, HostsNetworkView } from '../contract/views.ts';
import type { SandboxAccess } from '../sandboxes/driver.ts';
import { innerAddress } from '../sandboxes/hosts.ts';
import type { Session } from '../sessions/session.ts';
import type { WorkBudget } from '../sessions/work-budget.ts';
import { engineNotStarted } from './inner-engine.ts';
import { networkView } from './network.ts';

/** Where the reader's hosts are, as each of them sees the others (images/sandbox/outside/network). */
export const HOSTS_SUBNET = '100.64.0.0/16';

/**
 * Every host of a session, each as its own engine sees its networks and containers: the reader's
 * hosts on their shared network, the overlays a swarm spans over them, and what runs where. Each
 * host is read within the session's budget, all at once; a host whose Docker has not started is
 * drawn empty and says so, as the single-host view does.
 */
export async function hostsNetworkView(
  driver: SandboxAccess,
  session: Session,
  execs: WorkBudget = session.execs,
): Promise<HostsNetworkView> {
  const hosts = await Promise.all(
    session.hosts.names().map(async (host): Promise<HostNetworkView> => {
      const state = session.hostState(host);
      const empty: HostNetworkView = {
        name: host,
        address: innerAddress(host),
        state,
        networks: [],
        containers: [],
      };
      if (state !== 'ready') return empty;
      try {
        return { ...empty, ...(await execs.run(() => networkView(driver, session.id, host))) };
      } catch (error) {
        const engine = engineNotStarted(error);
        if (engine) return { ...empty, engine };
        throw error;
      }
    }),
  );
  return { subnet: HOSTS_SUBNET, hosts };
}
