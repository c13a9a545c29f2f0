/**
 * What this machine can do at best, measured in the same run as Berth's figures: machines here
 * differ by several times, so each figure is read beside its floor. A plain `docker run` on the
 * same engine is the floor of a sandbox's start and of `docker run` inside one; a WebSocket echo on
 * loopback is the floor of a keystroke's round trip and of Run's first byte.
 */
import Docker from 'dockerode';
import { WebSocket, WebSocketServer } from 'ws';
import { type Figure, percentile } from './figures.ts';

const FLOOR_IMAGE = 'berth/catalog/busybox:latest';

/** `docker run --rm busybox true` on the host's engine, start to end, through the API: the p50 of `runs`. */
export async function dockerRunFloorMs(runs: number): Promise<number> {
  const docker = new Docker();
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const container = await docker.createContainer({
      Image: FLOOR_IMAGE,
      Cmd: ['true'],
      HostConfig: { AutoRemove: true },
    });
    await container.start();
    await container.wait({ condition: 'removed' }).catch(() => container.wait());
    samples.push(performance.now() - started);
  }
  return percentile(samples, 50);
}

/** The floor as a figure of its own, for the table's head. */
export async function dockerRunFloor(runs: number): Promise<Figure[]> {
  return [
    {
      name: 'floor: plain docker run --rm busybox true, p50',
      value: await dockerRunFloorMs(runs),
      unit: 'ms',
      note: `${runs} runs, the host's engine`,
    },
  ];
}

/** A figure against the floor beside it, for the note: machines differ, the ratio less so. */
export const timesFloor = (value: number, floorMs: number) => `${(value / floorMs).toFixed(1)}× the floor`;

/** One byte out and back over a WebSocket on 127.0.0.1, as the terminal's frames go. */
export async function loopbackEchoFloor(samples: number): Promise<Figure[]> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (socket) => socket.on('message', (data, binary) => socket.send(data, { binary })));
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
  const times: number[] = [];
  try {
    for (let sample = 0; sample < samples; sample++) {
      const started = performance.now();
      await new Promise<void>((resolve) => {
        client.once('message', () => resolve());
        client.send(Buffer.from('x'), { binary: true });
      });
      times.push(performance.now() - started);
    }
  } finally {
    client.close();
    server.close();
  }
  return [
    {
      name: 'floor: loopback WebSocket echo, p50',
      value: percentile(times, 50),
      unit: 'ms',
      note: `${samples} round trips`,
    },
    { name: 'floor: loopback WebSocket echo, p99', value: percentile(times, 99), unit: 'ms' },
  ];
}
