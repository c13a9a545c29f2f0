/**
 * npm run bench: Berth measured through its public contract, each figure against the target in
 * issues 7 and 17 (issue 19's share latency has none). Prints a table and writes
 * .berth/bench/latest.json. Needs what `npm start` needs (the images, a running engine); it starts its own servers as separate processes, as production
 * runs them. `npm run bench -- pool readers` measures only the steps named so (`burst` all the
 * crowds, `10-reader` only those of ten).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../sandbox-server/src/config/index.ts';
import {
  removeInstance,
  type ServerProcess,
  spawnServer,
  uniqueInstance,
} from '../sandbox-server/src/testing/server.ts';
import { burst } from './burst-figures.ts';
import { type Figure, formatTable, verdict } from './figures.ts';
import { dockerRunFloor, loopbackEchoFloor } from './floors.ts';
import { hostAdding, swarmPage, threeHostMemory } from './host-figures.ts';
import {
  coldStart,
  concurrentReaders,
  dockerCommands,
  flood,
  idleCapacity,
  idleMemory,
  interactive,
  poolStart,
} from './sandbox-figures.ts';
import { shareLatency } from './share-figures.ts';
import { buildTime, pageWeight, secondLoad } from './site-figures.ts';
import { startCpu } from './start-cpu.ts';

type Step = [what: string, measure: (url: string, server: ServerProcess) => Promise<Figure[]>];

/**
 * Runs `steps` against a server of its own, as `npm start` runs one, and keeps its log in
 * .berth/bench/<name>.log: errors readers saw are explained there.
 */
async function withServer(name: string, env: Record<string, string>, all: Step[]): Promise<Figure[]> {
  const steps = all.filter(([what]) => chosen(what));
  if (steps.length === 0) return [];
  const instance = uniqueInstance();
  const server = await spawnServer({
    BERTH_INSTANCE: instance,
    BERTH_MAX_SANDBOXES: String(MOST_SANDBOXES),
    BERTH_SESSIONS_PER_CLIENT: String(MOST_SANDBOXES),
    ...env,
  });
  const figures: Figure[] = [];
  try {
    for (const [what, measure] of steps) {
      process.stderr.write(`bench: ${what}…\n`);
      figures.push(...(await measure(server.url, server)));
    }
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    await removeInstance(instance);
    writeFileSync(`${OUT_DIR}/${name}.log`, server.output());
  }
  return figures;
}

const OUT_DIR = '.berth/bench';
/** Sandboxes a bench server may hold: past the largest crowd, within the 256 subnets. */
const MOST_SANDBOXES = 220;
const defaults = loadConfig({});
/**
 * The sandboxes a bench server can hold at once: its maximum, or fewer when BERTH_SANDBOX_SUBNETS
 * (a /16, one /24 per sandbox: 256) has fewer networks. The capacity ramp stops there.
 */
const ROOM = Math.min(MOST_SANDBOXES, 2 ** (24 - Number(defaults.sandbox.subnets.split('/')[1])));
/** The crowds of the burst steps: readers arriving at once. */
const CROWDS = [10, 25, 50, 100];
/** Per-address limits as a real server has them: each burst reader comes from an address of its own. */
const READERS_LIMITS = {
  BERTH_SESSIONS_PER_CLIENT: String(defaults.sessionsPerClient),
  BERTH_SESSIONS_PER_MINUTE: String(defaults.sessionsPerMinute),
};

/** `npm run bench -- <words>` measures only the steps whose names contain one of the words. */
const only = process.argv.slice(2);
const chosen = (what: string) => only.length === 0 || only.some((word) => what.includes(word));

async function main(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  const figures: Figure[] = chosen('site build') ? buildTime() : [];
  // The machine's own floors first, so each figure below is read beside them.
  if (chosen('floor')) {
    process.stderr.write('bench: floors…\n');
    figures.push(...(await dockerRunFloor(8)), ...(await loopbackEchoFloor(200)));
  }
  // Without a pool, every session is a cold start: the figures of one sandbox on its own.
  figures.push(
    ...(await withServer('cold-server', { BERTH_POOL_SIZE: '0' }, [
      ['cold start', (url) => coldStart(url, 8)],
      ['start cpu', (url, server) => startCpu(url, server.child.pid ?? 0, 5)],
      ['Run and echo', (url) => interactive(url, 200)],
      ['flood', (url) => flood(url, 200)],
      ['share latency', (url) => shareLatency(url, [1, 10], 200)],
      ['docker commands', (url) => dockerCommands(url)],
      ['idle memory', (url) => idleMemory(url, 10)],
      ['add a host', (url) => hostAdding(url, 4)],
      ['3-host memory', (url) => threeHostMemory(url, 10)],
      ['swarm page', (url) => swarmPage(url)],
      ['page weight', (url) => pageWeight(url)],
      ['second load', (url) => secondLoad(url)],
      ['idle capacity', (url) => idleCapacity(url, 500, ROOM)],
    ])),
  );
  // With the default pool, as readers meet Berth.
  figures.push(
    ...(await withServer('pooled-server', { BERTH_POOL_SIZE: String(defaults.poolSize) }, [
      ['pool start', (url) => poolStart(url, 8)],
      ...[10, 25, 50].map(
        (readers): Step => [`${readers} concurrent readers`, (url) => concurrentReaders(url, readers)],
      ),
    ])),
  );
  // A class at once, every reader at an address of their own, each crowd on a server of its own
  // (the pool follows demand, so a crowd would leave the next one a pool it grew): first with the
  // default pool, as a server runs unprepared, then with a room asked through the admin API.
  const adminToken = randomBytes(16).toString('hex');
  for (const readers of CROWDS) {
    const server = { BERTH_POOL_SIZE: String(defaults.poolSize), ...READERS_LIMITS };
    figures.push(
      ...(await withServer(`burst-${readers}-server`, server, [
        [`${readers}-reader burst`, (url) => burst(url, readers)],
      ])),
      ...(await withServer(`burst-prepared-${readers}-server`, { ...server, BERTH_ADMIN_TOKEN: adminToken }, [
        [`${readers}-reader burst, prepared`, (url) => burst(url, readers, adminToken)],
      ])),
    );
  }
  console.log(formatTable(figures));
  const results = figures.map((figure) => ({ ...figure, verdict: verdict(figure) }));
  writeFileSync(
    `${OUT_DIR}/latest.json`,
    `${JSON.stringify({ measuredAt: new Date().toISOString(), figures: results }, null, 2)}\n`,
  );
  console.log(`\nwritten: ${OUT_DIR}/latest.json, and the servers' logs next to it`);
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
