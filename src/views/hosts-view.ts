/**
 * <berth-hosts-view>: the diagram of the reader's hosts, drawn from their own sandbox once it
 * runs: the hosts on their shared network, the containers each runs, and the overlay networks a
 * swarm spans over them.
 */
import { LiveDiagram } from './live-diagram.ts';
import type { Scene } from './scene.ts';
import { fetchHostsNetwork } from './views-api.ts';

class HostsView extends LiveDiagram {
  protected async scene(): Promise<Scene> {
    // The layout is loaded only once there is a sandbox to draw: reading pages stay small.
    const [{ hostsScene }, view] = await Promise.all([import('./hosts-layout.ts'), fetchHostsNetwork()]);
    return hostsScene(view);
  }
}

if (!customElements.get('berth-hosts-view')) customElements.define('berth-hosts-view', HostsView);
