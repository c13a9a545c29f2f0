/**
 * npm run bench: Berth measured through its public contract, each figure against the target in
 * issue 7. Prints a table and writes .berth/bench/latest.json. Needs what `npm start` needs (the
 * images, a running engine); it starts its own servers as separate processes, as production runs them.
 * `npm run bench -- pool readers` measures only the steps named so.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../sandbox-server/src/config/index.ts';
import { removeInstance, spawnServer, uniqueInstance } from '../sandbox-server/src/testing/server.ts';
import { type Figure, formatTable, verdict } from './figures.ts';
import { dockerRunFloor, loopbackEchoFloor } from './floors.ts';
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
import { buildTime, pageWeight } from './site-figures.ts';

type Step = [what: string, measure: (url: string) => Promise<Figure[]>];

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
      figures.push(...(await measure(server.url)));
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
/** Sandboxes a bench server may hold: past what the capacity ramp needs, within the 256 subnets. */
const MOST_SANDBOXES = 220;

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
      ['Run and echo', (url) => interactive(url, 200)],
      ['flood', (url) => flood(url, 200)],
      ['docker commands', (url) => dockerCommands(url)],
      ['idle memory', (url) => idleMemory(url, 10)],
      ['page weight', (url) => pageWeight(url)],
      ['idle capacity', (url) => idleCapacity(url, 200)],
    ])),
  );
  // With the default pool, as readers meet Berth.
  figures.push(
    ...(await withServer('pooled-server', { BERTH_POOL_SIZE: String(loadConfig({}).poolSize) }, [
      ['pool start', (url) => poolStart(url, 8)],
      ...[10, 25, 50].map(
        (readers): Step => [`${readers} concurrent readers`, (url) => concurrentReaders(url, readers)],
      ),
    ])),
  );
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
