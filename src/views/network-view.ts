/**
 * <berth-network-view>: the networking diagram, drawn from the reader's own sandbox once it runs:
 * its bridges, and each container's address, veth pair and published ports.
 */
import { LiveDiagram } from './live-diagram.ts';
import type { Scene } from './scene.ts';
import { fetchNetwork } from './views-api.ts';

class NetworkView extends LiveDiagram {
  protected async scene(): Promise<Scene> {
    // The layout is loaded only once there is a sandbox to draw: reading pages stay small.
    const [{ networkScene }, view] = await Promise.all([import('./network-layout.ts'), fetchNetwork()]);
    return networkScene(view);
  }
}

if (!customElements.get('berth-network-view')) customElements.define('berth-network-view', NetworkView);
