/**
 * The reader's networks as a scene: one section per bridge network (its host interface, subnet and
 * gateway on the left), and in it one row per container: the host's end of its veth pair, then the
 * container with its eth0 address and published ports. The drawing grows down with the containers.
 */

import { fittedText, frame, listing, plural, type Scene, type Shape, type WordItem } from './scene.ts';
import type { Container, Endpoint, Network, NetworkView, Port } from './views-api.ts';

const WIDTH = 760;
const BRIDGE = { x: 20, width: 236 };
const VETH = { x: 272, width: 132 };
const BOX = { x: 444, width: 296 };
/** A container's row: its box, then a gap before the next one. */
const ROW = 90;
const BOX_HEIGHT = 78;
const SECTION_MIN = 104;
const SECTION_GAP = 20;

/** The default network first (its bridge is docker0), then the reader's own, by name. */
function bridgeNetworks(networks: Network[]): Network[] {
  return networks
    .filter((network) => network.driver === 'bridge')
    .sort(
      (a, b) => Number(b.name === 'bridge') - Number(a.name === 'bridge') || a.name.localeCompare(b.name),
    );
}

function interfaceOf(network: Network): string {
  return network.bridge ?? network.name;
}

function hostAddress(ip: string | null): string {
  if (!ip) return '';
  return ip.includes(':') ? `[${ip}]:` : `${ip}:`;
}

/** "127.0.0.1:5000 → 80/tcp" per published port (the server lists an all-addresses binding once). */
export function portMappings(ports: Port[], arrow = ' → '): string[] {
  return ports
    .filter((port) => port.hostPort !== null)
    .map(
      (port) => `${hostAddress(port.hostIp)}${port.hostPort}${arrow}${port.containerPort}/${port.protocol}`,
    );
}

function exposedOnly(ports: Port[]): string[] {
  const published = new Set(
    ports.filter((p) => p.hostPort !== null).map((p) => `${p.containerPort}/${p.protocol}`),
  );
  return [
    ...new Set(
      ports
        .filter((p) => p.hostPort === null && !published.has(`${p.containerPort}/${p.protocol}`))
        .map((p) => `${p.containerPort}/${p.protocol}`),
    ),
  ];
}

/** "web — 172.17.0.3 on docker0 via veth776a282, port 127.0.0.1:5000 → 80/tcp" */
export function containerSentence(container: Container, endpoint: Endpoint, network: Network): string {
  let text = `${container.name} — ${endpoint.ipv4} on ${interfaceOf(network)}`;
  if (endpoint.veth) text += ` via ${endpoint.veth}`;
  const ports = portMappings(container.ports);
  if (ports.length > 0) text += `, ${ports.length === 1 ? 'port' : 'ports'} ${listing(ports)}`;
  const exposed = exposedOnly(container.ports);
  if (exposed.length > 0) text += `, exposes ${listing(exposed)} (not published)`;
  if (container.state !== 'running') text += ` (${container.state})`;
  return text;
}

function networkSentence(network: Network, members: number, isOnlyDefault: boolean): string {
  const own = network.name === 'bridge' ? '' : ' (user-defined)';
  let text = `${interfaceOf(network)}: the bridge of network ${network.name}${own}`;
  if (network.subnet) text += `, subnet ${network.subnet}`;
  if (network.gateway) text += `, gateway ${network.gateway}`;
  if (members > 0) return `${text}, with ${plural(members, 'container')}`;
  return isOnlyDefault ? `${text}. No containers yet — run one` : `${text}, with no containers`;
}

/** Why a container is drawn in no bridge section. */
function elsewhereSentence(container: Container): string {
  const networks = container.endpoints.map((endpoint) => endpoint.network);
  if (container.state !== 'running') return `${container.name} — ${container.state}, so it has no address`;
  if (networks.length === 0) return `${container.name} — on no network`;
  return `${container.name} — on network ${listing(networks)}, no bridge`;
}

type Section = { network: Network; members: { container: Container; endpoint: Endpoint }[] };

export function networkScene(view: NetworkView): Scene {
  const bridges = bridgeNetworks(view.networks);
  const sections: Section[] = bridges.map((network) => ({
    network,
    members: view.containers.flatMap((container) =>
      container.endpoints
        .filter((endpoint) => endpoint.network === network.name && endpoint.ipv4)
        .map((endpoint) => ({ container, endpoint })),
    ),
  }));
  const placed = new Set(sections.flatMap((section) => section.members.map((m) => m.container.id)));
  const elsewhere = view.containers.filter((container) => !placed.has(container.id));
  const noContainers = view.containers.length === 0;

  const shapes: Shape[] = [];
  const items: WordItem[] = [];
  shapes.push({ kind: 'text', className: 'strong', x: 17, y: 28, text: 'Docker host: your sandbox' });
  shapes.push({ kind: 'text', className: 'sub', x: BRIDGE.x, y: 56, text: 'Bridge on the host' });
  shapes.push({ kind: 'text', className: 'sub', x: VETH.x, y: 56, text: 'veth, host end' });
  shapes.push({ kind: 'text', className: 'sub', x: BOX.x, y: 56, text: 'Container, its eth0 end' });

  let y = 68;
  for (const { network, members } of sections) {
    const height = Math.max(members.length * ROW - (ROW - BOX_HEIGHT), SECTION_MIN);
    shapes.push({
      kind: 'rect',
      className: 'box-accent',
      x: BRIDGE.x,
      y,
      width: BRIDGE.width,
      height,
      rx: 8,
    });
    const left = BRIDGE.x + 12;
    shapes.push(fittedText(interfaceOf(network), 22, { className: 'strong mono', x: left, y: y + 26 }));
    shapes.push(fittedText(`network ${network.name}`, 26, { className: 'sub', x: left, y: y + 48 }));
    if (network.subnet)
      shapes.push(fittedText(network.subnet, 23, { className: 'mono', x: left, y: y + 72 }));
    if (network.gateway)
      shapes.push(fittedText(`gateway ${network.gateway}`, 23, { className: 'mono', x: left, y: y + 94 }));
    items.push({
      kind: 'network',
      text: networkSentence(network, members.length, noContainers && network.name === 'bridge'),
    });

    if (members.length === 0) {
      const empty = noContainers && network.name === 'bridge';
      shapes.push({
        kind: 'text',
        className: 'sub',
        x: VETH.x,
        y: y + 44,
        text: empty ? 'No containers yet — run one:' : 'No containers on this network',
      });
      if (empty)
        shapes.push({
          kind: 'text',
          className: 'mono',
          x: VETH.x,
          y: y + 68,
          text: 'docker run -d --name web nginx',
        });
    }
    members.forEach(({ container, endpoint }, i) => {
      const top = y + i * ROW;
      const middle = top + BOX_HEIGHT / 2;
      // The veth pair: the host's end is a port on the bridge, the other end is the container's eth0.
      shapes.push({ kind: 'path', className: 'link', d: `M${BRIDGE.x + BRIDGE.width} ${middle}H${VETH.x}` });
      shapes.push({
        kind: 'rect',
        className: 'chip',
        x: VETH.x,
        y: middle - 16,
        width: VETH.width,
        height: 32,
        rx: 5,
      });
      shapes.push(
        fittedText(endpoint.veth ?? 'veth ?', 13, {
          className: 'mono',
          x: VETH.x + VETH.width / 2,
          y: middle + 5,
          anchor: 'middle',
        }),
      );
      shapes.push({ kind: 'path', className: 'link', d: `M${VETH.x + VETH.width} ${middle}H${BOX.x}` });
      shapes.push({
        kind: 'rect',
        className: 'box-green',
        x: BOX.x,
        y: top,
        width: BOX.width,
        height: BOX_HEIGHT,
        rx: 8,
      });
      const state = container.state === 'running' ? '' : ` (${container.state})`;
      shapes.push(
        fittedText(`${container.name}${state}`, 25, { className: 'strong', x: BOX.x + 12, y: top + 25 }),
      );
      shapes.push(
        fittedText(`${endpoint.interface ?? 'eth0'} ${endpoint.ipv4}`, 30, {
          className: 'mono',
          x: BOX.x + 12,
          y: top + 47,
        }),
      );
      const ports = portMappings(container.ports, '→');
      const exposed = exposedOnly(container.ports);
      const portLine =
        ports.length > 0 ? ports.join(', ') : exposed.length > 0 ? `${exposed.join(', ')} not published` : '';
      if (portLine)
        shapes.push(fittedText(portLine, 30, { className: 'mono sub', x: BOX.x + 12, y: top + 68 }));
      items.push({ kind: 'container', text: containerSentence(container, endpoint, network) });
    });
    y += height + SECTION_GAP;
  }

  if (elsewhere.length > 0) {
    shapes.push({
      kind: 'text',
      className: 'strong',
      x: BRIDGE.x,
      y: y + 6,
      text: 'Not on a bridge network',
    });
    elsewhere.forEach((container, i) => {
      const text = elsewhereSentence(container);
      shapes.push(fittedText(text, 70, { className: 'mono', x: BRIDGE.x, y: y + 32 + i * 24 }));
      items.push({ kind: 'container', text });
    });
    y += 32 + elsewhere.length * 24;
  } else {
    y -= SECTION_GAP;
  }
  const height = y + 16;
  shapes.unshift(frame(WIDTH, height));

  const lead = `Your sandbox’s Docker host, live: ${plural(sections.length, 'bridge network')} and ${plural(
    view.containers.length,
    'container',
  )}.`;
  const note =
    'Each container’s eth0 is one end of a veth pair; the other end, on the host, is plugged into the bridge, so containers on the same bridge reach each other. A published port forwards the host’s address and port to the container’s.';
  return {
    width: WIDTH,
    height,
    title: 'Your sandbox’s networks, live',
    desc: [lead, ...items.map((item) => `${item.text}.`)].join(' '),
    shapes,
    words: { lead, items, ordered: false, notes: [note] },
    summary: `Network diagram updated: ${plural(view.containers.length, 'container')} on ${plural(
      sections.length,
      'bridge',
    )}.`,
  };
}
