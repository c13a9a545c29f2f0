/**
 * The reader's hosts as a scene: the network they share across the top, one column per host
 * (its name, its address, and the containers it runs, each with its addresses), and under the
 * columns a band for each overlay network a swarm spans over them, marked on every host it
 * reaches. Which container runs where is read from each host's own engine.
 */

import { fittedText, frame, listing, plural, type Scene, type Shape, type WordItem } from './scene.ts';
import type { Container, HostNetworkView, HostsNetworkView, Network } from './views-api.ts';

const WIDTH = 760;
const MARGIN = 20;
const GAP = 12;
const BUS_Y = 64;
const TOP = 84;
const HEADER = 58;
const ROW = 46;
const OVERLAY_ROW = 30;

/** The networks a swarm spans (or could): overlays, the ingress among them, by name. */
function overlaysOf(hosts: HostNetworkView[]): Network[] {
  const byName = new Map<string, Network>();
  for (const host of hosts)
    for (const network of host.networks)
      if (network.driver === 'overlay' && !byName.has(network.name)) byName.set(network.name, network);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** "appnet 10.0.1.4, bridge 172.17.0.2": where a container is, network by network. */
function addresses(container: Container): string {
  const parts = container.endpoints.map((e) => (e.ipv4 ? `${e.network} ${e.ipv4}` : e.network));
  return parts.length > 0 ? parts.join(', ') : 'no network';
}

/** A swarm task's container as `docker service ps` names the task, web.2; any other as it is. */
function shownName(container: Container): string {
  return /^(.+\.\d+)\.[a-z0-9]{25}$/.exec(container.name)?.[1] ?? container.name;
}

function hostState(host: HostNetworkView): string {
  if (host.state === 'starting') return 'starting';
  if (host.engine === 'idle') return 'Docker not started yet';
  if (host.engine === 'starting') return 'Docker starting';
  return plural(host.containers.length, 'container');
}

function hostSentence(host: HostNetworkView): string {
  const running = host.containers.map((c) => `${shownName(c)} (${addresses(c)})`);
  const state = hostState(host);
  if (running.length === 0) return `${host.name} at ${host.address}: ${state}`;
  return `${host.name} at ${host.address}: ${listing(running)}`;
}

export function hostsScene(view: HostsNetworkView): Scene {
  const hosts = view.hosts;
  const count = Math.max(hosts.length, 1);
  const column = (WIDTH - 2 * MARGIN - (count - 1) * GAP) / count;
  // Characters that fit a column: the mono and bold faces are about 8.4 and 9.5 units wide.
  const chars = Math.max(8, Math.floor((column - 20) / 8.4));
  const boldChars = Math.max(6, Math.floor((column - 20) / 9.5));
  const overlays = overlaysOf(hosts);
  const tallest = Math.max(1, ...hosts.map((h) => h.containers.length));
  const hostHeight = HEADER + tallest * ROW + 8;
  const overlayTop = TOP + hostHeight + 20;

  const shapes: Shape[] = [];
  const items: WordItem[] = [];
  shapes.push({ kind: 'text', className: 'strong', x: 17, y: 28, text: 'Your hosts, live' });
  shapes.push({ kind: 'path', className: 'link', d: `M${MARGIN} ${BUS_Y}H${WIDTH - MARGIN}` });
  shapes.push({
    kind: 'text',
    className: 'sub',
    x: MARGIN,
    y: BUS_Y - 8,
    text: `The network your hosts share, ${view.subnet}: each reaches the others by name`,
  });

  hosts.forEach((host, i) => {
    const x = MARGIN + i * (column + GAP);
    const middle = x + column / 2;
    shapes.push({ kind: 'path', className: 'link', d: `M${middle} ${BUS_Y}V${TOP}` });
    shapes.push({
      kind: 'rect',
      className: 'box-accent',
      x,
      y: TOP,
      width: column,
      height: hostHeight,
      rx: 8,
    });
    shapes.push(fittedText(host.name, boldChars, { className: 'strong', x: x + 10, y: TOP + 22 }));
    shapes.push(fittedText(host.address, chars, { className: 'mono', x: x + 10, y: TOP + 40 }));
    shapes.push(fittedText(hostState(host), chars, { className: 'sub', x: x + 10, y: TOP + 56 }));
    host.containers.forEach((container, row) => {
      const top = TOP + HEADER + row * ROW;
      shapes.push({
        kind: 'rect',
        className: 'box-green',
        x: x + 6,
        y: top,
        width: column - 12,
        height: ROW - 6,
        rx: 6,
      });
      const state = container.state === 'running' ? '' : ` (${container.state})`;
      shapes.push(
        fittedText(`${shownName(container)}${state}`, boldChars - 1, {
          className: 'strong',
          x: x + 12,
          y: top + 17,
        }),
      );
      shapes.push(
        fittedText(addresses(container), chars - 1, { className: 'mono sub', x: x + 12, y: top + 33 }),
      );
    });
    items.push({ kind: 'host', text: hostSentence(host) });
  });

  const links: Shape[] = [];
  overlays.forEach((network, row) => {
    const y = overlayTop + row * OVERLAY_ROW;
    const on = hosts.filter((h) => h.networks.some((n) => n.name === network.name));
    const label = `overlay ${network.name}${network.subnet ? ` ${network.subnet}` : ''}`;
    shapes.push({
      kind: 'rect',
      className: 'chip',
      x: MARGIN,
      y: y - 16,
      width: WIDTH - 2 * MARGIN,
      height: 24,
      rx: 5,
    });
    // At the right end, out of the way of the links down to the bands.
    shapes.push(fittedText(label, 30, { className: 'mono', x: WIDTH - MARGIN - 8, y: y + 1, anchor: 'end' }));
    for (const host of on) {
      const x = MARGIN + hosts.indexOf(host) * (column + GAP) + 14 + row * 12;
      links.push({ kind: 'path', className: 'link', d: `M${x} ${TOP + hostHeight}V${y - 16}` });
    }
    items.push({
      kind: 'network',
      text: `${label} spans ${on.length > 0 ? listing(on.map((h) => h.name)) : 'no host yet'}`,
    });
  });

  // Over the bands, each host's link to a band at its own offset, so none hides another.
  shapes.push(...links);
  const height = overlayTop + overlays.length * OVERLAY_ROW + (overlays.length > 0 ? 0 : -10);
  shapes.unshift(frame(WIDTH, height));
  const containers = hosts.reduce((sum, h) => sum + h.containers.length, 0);
  const lead = `Your ${plural(hosts.length, 'host')}, live, with ${plural(containers, 'container')}${
    overlays.length > 0 ? ` and ${plural(overlays.length, 'overlay network')}` : ''
  }.`;
  const note =
    'Each host is a machine of its own with its own Docker engine. An overlay network spans the hosts of a swarm: containers on it reach each other by name, whichever host they run on.';
  return {
    width: WIDTH,
    height,
    title: 'Your hosts, live',
    desc: [lead, ...items.map((item) => `${item.text}.`)].join(' '),
    shapes,
    words: { lead, items, ordered: false, notes: [note] },
    summary: `Hosts diagram updated: ${plural(hosts.length, 'host')}, ${plural(containers, 'container')}.`,
  };
}
