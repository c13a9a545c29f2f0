/**
 * A class at once (issue 17): `readers` readers, each at an address of their own, all sending
 * POST /api/session in the same moment, each then waiting for a shell prompt and running
 * `docker run --rm hello-world` in it. Timed from the moment the crowd was released, beside the
 * floor of a plain `docker run` measured just before, and what the burst cost the host.
 */
import { eventually, poolSandboxes } from '../sandbox-server/src/testing/server.ts';
import { AddressedReader, type Answer } from './addressed-reader.ts';
import { type Figure, lowerThan, percentile } from './figures.ts';
import { dockerRunFloorMs, timesFloor } from './floors.ts';
import { hostBusySeconds, quietMachine, quietness } from './host-cpu.ts';

/** How long a reader waits for a shell and hello-world's end before it counts as an error. */
const READER_BOUND_MS = 10 * 60_000;
/** How often a waiting reader asks GET /api/session, as a page telling its reader their place would. */
const LOOK_EVERY_MS = 1000;
/** The issue's targets, for crowds with no prepared pool; every crowd is held to no errors. */
const TARGETS: Record<number, { shellP90?: number; doneP90?: number }> = {
  50: { shellP90: 5000, doneP90: 15_000 },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One look at GET /api/session (or POST's answer) while the session was not ready. */
type Look = { at: number; place?: number; estimateSeconds?: number };

/** What one reader lived: when their shell answered and hello-world ended, or why not. */
type ReaderResult = {
  shellMs?: number;
  doneMs?: number;
  error?: { at: number; text: string };
  looks: Look[];
};

function lookAt(answer: Answer, at: number): Look {
  const queue = answer.body.queue as { position?: unknown; estimateSeconds?: unknown } | undefined;
  return typeof queue?.position === 'number'
    ? { at, place: queue.position, estimateSeconds: Number(queue.estimateSeconds) }
    : { at };
}

/**
 * Whether a reader was told their place until served: the contract gives a place only while the
 * start waits for a slot, so the looks must say a place from the first on, then none once their
 * start began, never one again. A reader whose first look had no place (a slot free at once) is
 * not counted: they were told nothing, and needed nothing.
 */
function toldUntilServed(looks: Look[]): boolean {
  const untold = looks.findIndex((look) => look.place === undefined);
  return (
    looks.length > 0 &&
    untold !== 0 &&
    (untold < 0 || looks.slice(untold).every((l) => l.place === undefined))
  );
}

async function oneReader(reader: AddressedReader, released: number, result: ReaderResult): Promise<void> {
  const look = (answer: Answer) => {
    if (answer.body.state === 'ready') return true;
    result.looks.push(lookAt(answer, performance.now() - released));
    return false;
  };
  const deadline = released + READER_BOUND_MS;
  const left = () => Math.max(1, deadline - performance.now());
  let served = false;
  const created = await reader.send('POST', '/api/session');
  if (created.status !== 201) {
    throw new Error(`POST /api/session answered ${created.status}: ${JSON.stringify(created.body)}`);
  }
  // The page asks again while the sandbox starts, as the dock will to show the reader their place.
  const looking = (async () => {
    if (look(created)) return;
    while (!served && performance.now() < deadline) {
      await sleep(LOOK_EVERY_MS);
      if (served) return;
      const answer = await reader.send('GET', '/api/session');
      if (answer.status !== 200 || look(answer)) return;
    }
  })().catch(() => {
    // A look with no answer told the reader nothing.
    result.looks.push({ at: performance.now() - released });
  });
  const shell = await reader.terminal('main');
  try {
    await shell.ready(left());
    result.shellMs = performance.now() - released;
    served = true;
    await looking;
    const code = await shell.run('docker run --rm hello-world', left());
    if (code !== 0) throw new Error(`docker run --rm hello-world exited ${code}`);
    result.doneMs = performance.now() - released;
  } finally {
    served = true;
    shell.close();
  }
}

/** Waits until the server's warm pool holds `size` ready sandboxes: the room prepared before the class. */
async function poolReady(url: string, size: number): Promise<void> {
  await eventually(
    async () => (await poolSandboxes(url, 'ready')) >= size,
    `the pool to reach ${size} ready sandboxes`,
    Math.max(120_000, size * 15_000),
  );
}

/** Asks the server for a room of `size` through its admin API, as an operator would before a class. */
async function askForRoom(url: string, adminToken: string, size: number): Promise<void> {
  const response = await fetch(`${url}/api/admin/pool`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ size }),
  });
  if (!response.ok)
    throw new Error(`PUT /api/admin/pool answered ${response.status}: ${await response.text()}`);
}

/**
 * One crowd of `readers` on a server with the default pool. With `adminToken`, the room is
 * prepared first: a pool of the crowd's size asked through PUT /api/admin/pool, and the crowd is
 * released only once every pooled sandbox is ready.
 */
export async function burst(url: string, readers: number, adminToken?: string): Promise<Figure[]> {
  const prepared = adminToken !== undefined;
  const name = `${readers}-reader burst${prepared ? ', prepared' : ''}`;
  if (prepared) {
    await askForRoom(url, adminToken, readers);
    await poolReady(url, readers);
  }
  const quiet = await quietMachine();
  const floorMs = await dockerRunFloorMs(3);
  const crowd = Array.from({ length: readers }, () => new AddressedReader(url));
  const busyBefore = hostBusySeconds();
  const released = performance.now();
  const results = await Promise.all(
    crowd.map(async (reader) => {
      const result: ReaderResult = { looks: [] };
      await oneReader(reader, released, result).catch((error: unknown) => {
        result.error = {
          at: performance.now(),
          text: error instanceof Error ? error.message : String(error),
        };
      });
      return result;
    }),
  );
  const seconds = (performance.now() - released) / 1000;
  const busy = hostBusySeconds() - busyBefore;
  await Promise.all(crowd.map((reader) => reader.leave()));

  const shell = results.flatMap((r) => (r.shellMs === undefined ? [] : [r.shellMs]));
  const done = results.flatMap((r) => (r.doneMs === undefined ? [] : [r.doneMs]));
  const errors = results.flatMap((r) => (r.error === undefined ? [] : [r.error])).sort((a, b) => a.at - b.at);
  const waited = results.filter((r) => r.looks.length > 0);
  const told = results.filter((r) => r.error === undefined && toldUntilServed(r.looks));
  // How the first estimate a reader was given compares with the wait they then had.
  const estimates = told.flatMap(({ looks: [first], shellMs }) =>
    first?.estimateSeconds && shellMs !== undefined
      ? [(shellMs - first.at) / 1000 / first.estimateSeconds]
      : [],
  );
  const targets = prepared ? {} : (TARGETS[readers] ?? {});
  const timed = (what: string, samples: number[], limit: number | undefined): Figure[] => {
    const p50 = percentile(samples, 50);
    const p90 = percentile(samples, 90);
    const max = samples.length === 0 ? Number.NaN : Math.max(...samples);
    return [
      { name: `${name}: ${what}, p50`, value: p50, unit: 'ms', note: timesFloor(p50, floorMs) },
      {
        name: `${name}: ${what}, p90`,
        value: p90,
        unit: 'ms',
        ...(limit === undefined ? {} : { target: lowerThan(limit) }),
        note: `${timesFloor(p90, floorMs)}; max ${Math.round(max)} ms (${timesFloor(max, floorMs)}); ${samples.length} of ${readers} readers`,
      },
    ];
  };
  return [
    {
      name: `${name}: floor, plain docker run`,
      value: floorMs,
      unit: 'ms',
      note: '3 runs on the host engine just before the crowd',
    },
    ...timed('release → shell prompt', shell, targets.shellP90),
    ...timed('release → hello-world done', done, targets.doneP90),
    {
      name: `${name}: readers with an error`,
      value: errors.length,
      unit: 'readers',
      target: lowerThan(0),
      note:
        errors[0] === undefined
          ? `of ${readers}`
          : `of ${readers}; the first: ${errors[0].text.slice(0, 160)}`,
    },
    {
      name: `${name}: CPU per reader`,
      value: busy / readers,
      unit: 'core-s',
      note: `host busy ${busy.toFixed(1)} core-s over ${seconds.toFixed(0)} s (/proc/stat); ${quietness(quiet)}${
        prepared ? '; the pool refills behind the crowd, inside the window' : ''
      }`,
    },
    {
      name: `${name}: readers told their place until served`,
      value: told.length,
      unit: 'readers',
      note: `of ${readers}; ${waited.length} looked while not ready (GET /api/session every ${LOOK_EVERY_MS / 1000} s)${
        estimates.length ? `; wait / first estimate, p50 ${percentile(estimates, 50).toFixed(2)}` : ''
      }`,
    },
  ];
}
