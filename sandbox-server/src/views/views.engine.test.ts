import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container, Image, Layer, Network, PreviewPort } from '../contract/index.ts';
import { previewIdFor, previewUrl } from '../preview/preview-path.ts';
import { sharedReadySession } from '../testing/shared-session.ts';
import { TerminalClient } from '../testing/terminal-client.ts';

const shared = sharedReadySession();
let terminal: TerminalClient;

beforeAll(async () => {
  terminal = await TerminalClient.open(shared.server.url, 'main', { cookie: shared.session.cookie });
  await terminal.ready();
});

afterAll(async () => {
  await terminal?.close();
});

/** Every answer these tests read, loosely: a view's fields or an error. */
type Answer = {
  networks: Network[];
  containers: Container[];
  container: Container;
  ports: PreviewPort[];
  image: Image;
  images: Image[];
  layers: Layer[];
  changes: { path: string; kind: string }[];
  sizeRw: number;
  error: { code: string };
};

async function get(path: string, cookie = shared.session.cookie) {
  const response = await fetch(`${shared.server.url}/api/session${path}`, { headers: { cookie } });
  return { status: response.status, body: (await response.json()) as Answer };
}

/** Runs a command in the reader's terminal and returns its output, failing on a non-zero exit. */
async function sh(command: string): Promise<string> {
  const { code, output } = await terminal.run(command);
  expect(code, `${command}\n${output}`).toBe(0);
  return output.replace(/\x1b\][^\x07]*\x07/g, '').trim();
}

describe('views of the reader’s sandbox', () => {
  // First: the reader has typed nothing yet, so Docker has not started, and a view must not be
  // what starts it: asked again a moment later, the views still find it idle.
  it('say that Docker starts on first use, and do not start it themselves', async () => {
    for (const round of [1, 2]) {
      expect(await get('/containers'), `round ${round}`).toMatchObject({
        status: 200,
        body: { containers: [], engine: 'idle' },
      });
      expect(await get('/images')).toMatchObject({ status: 200, body: { images: [], engine: 'idle' } });
      expect(await get('/network')).toMatchObject({
        status: 200,
        body: { networks: [], containers: [], engine: 'idle' },
      });
      // Asking of one image or container has no list to be empty: an error that says why.
      const layers = await get('/images/nginx/layers');
      expect(layers.status).toBe(409);
      expect(layers.body.error.code).toBe('sandbox_engine_idle');
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    // Nothing can be published yet, which is an answer of its own.
    expect(await get('/ports')).toMatchObject({ status: 200, body: { ports: [] } });
    // The reader's first command line starts it, whatever the command.
    expect(await sh('test -d /sys/class/net/docker0 && echo docker0 is up')).toBe('docker0 is up');
  });

  it('draws containers on the bridge with the address docker inspect reports and their veth pair', async () => {
    await sh('docker run -d --name sleeper busybox sleep 600');
    await sh('docker network create appnet');
    await sh('docker run -d --name web --network appnet -p 127.0.0.1:5000:80 nginx');
    const address = await sh(
      "docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' sleeper",
    );
    const veth = await sh(
      'ip -o link | grep -o "veth[0-9a-f]*@if$(docker exec sleeper cat /sys/class/net/eth0/ifindex)" | cut -d@ -f1',
    );

    const { status, body } = await get('/network');
    expect(status).toBe(200);
    const sleeper = body.containers.find((c) => c.name === 'sleeper');
    expect(sleeper).toMatchObject({
      image: 'busybox',
      state: 'running',
      endpoints: [{ network: 'bridge', ipv4: address, interface: 'eth0', veth }],
    });
    expect(veth).toMatch(/^veth[0-9a-f]+$/);
    const web = body.containers.find((c) => c.name === 'web');
    expect(web?.endpoints[0]).toMatchObject({ network: 'appnet', interface: 'eth0' });
    expect(web?.ports).toEqual([{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 5000 }]);
    const bridge = body.networks.find((n) => n.name === 'bridge');
    expect(bridge).toMatchObject({ driver: 'bridge', bridge: 'docker0', subnet: '172.17.0.0/16' });
    const appnet = body.networks.find((n) => n.name === 'appnet');
    expect(appnet?.bridge).toBe(`br-${appnet?.id}`);
  });

  it('lists the published ports with their session-scoped preview address', async () => {
    const { status, body } = await get('/ports');
    expect(status).toBe(200);
    expect(body.ports).toEqual([
      {
        port: 5000,
        container: 'web',
        containerPort: 80,
        url: `${shared.server.previewUrl}${previewUrl(previewIdFor(shared.session.id), 5000)}`,
      },
    ]);
  });

  it('shows an image’s layers in build order with the instruction behind each', async () => {
    await sh(
      'mkdir -p ~/layers && printf \'FROM debian:trixie\\nRUN echo hi > /hello\\nENV GREETING=hi\\nCMD ["cat", "/hello"]\\n\' > ~/layers/Dockerfile',
    );
    await sh('DOCKER_BUILDKIT=0 docker build -q -t layered:1.0 ~/layers');
    const steps = Number(await sh('docker history -q layered:1.0 | wc -l'));

    const { status, body } = await get(`/images/${encodeURIComponent('layered:1.0')}/layers`);
    expect(status).toBe(200);
    expect(body.image.tags).toEqual(['layered:1.0']);
    expect(body.layers).toHaveLength(steps);
    expect(body.layers.slice(-3).map((l) => l.instruction)).toEqual([
      'RUN echo hi > /hello',
      'ENV GREETING=hi',
      'CMD ["cat" "/hello"]',
    ]);
    expect(body.layers.at(-3)?.size).toBeGreaterThan(0);
    expect(body.layers.at(-1)?.size).toBe(0);

    const images = await get('/images');
    expect(images.body.images[0]?.tags).toEqual(['layered:1.0']);
  });

  it('shows what a running container changed in its read-write layer', async () => {
    await sh('docker exec sleeper sh -c "echo x > /tmp/berth-was-here && rm /bin/wget"');
    const { status, body } = await get('/containers/sleeper/changes');
    expect(status).toBe(200);
    expect(body.container.name).toBe('sleeper');
    expect(body.changes).toEqual(
      expect.arrayContaining([
        { path: '/tmp/berth-was-here', kind: 'added' },
        { path: '/bin/wget', kind: 'deleted' },
        { path: '/tmp', kind: 'changed' },
      ]),
    );
    expect(body.sizeRw).toBeGreaterThan(0);
  });

  it('refuses names that are not names, and says when there is no such thing', async () => {
    for (const bad of ['..%2F..%2Fetc', '%24(reboot)', 'a%20b', '-rf']) {
      const { status, body } = await get(`/containers/${bad}/changes`);
      expect(status, bad).toBe(400);
      expect(body.error.code).toBe('invalid_name');
    }
    expect((await get(`/images/${encodeURIComponent('x/../../y')}/layers`)).body.error.code).toBe(
      'invalid_name',
    );
    expect((await get('/containers/nosuchthing/changes')).body.error.code).toBe('no_such_container');
    expect((await get('/images/nosuchimage/layers')).status).toBe(404);
  });

  it('answers only the session’s own browser', async () => {
    const { status, body } = await get('/network', 'berth_session=not-a-token');
    expect(status).toBe(404);
    expect(body.error.code).toBe('no_session');
  });

  it('says plainly when the reader stopped the Docker daemon in their sandbox', async () => {
    await sh('sudo systemctl stop docker');
    try {
      const { status, body } = await get('/network');
      expect(status).toBe(503);
      expect(body.error.code).toBe('sandbox_engine_unavailable');
    } finally {
      await sh('sudo systemctl start docker');
    }
  });
});
