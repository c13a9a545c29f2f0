// `npm run test:guide [content-dir...]`: runs every runnable block of every page in fresh sandboxes;
// by default the tests' pages: the guide and those written in other tutorials' conventions (./conventions).
import path from 'node:path';
import Docker from 'dockerode';
import { loadConfig } from '../../sandbox-server/src/config/index.ts';
import { makeMirrorCurrent } from '../../sandbox-server/src/mirror/current.ts';
import { catalogDirsOf, TEST_PAGES } from '../../sandbox-server/src/testing/mirror.ts';
import { removeInstance, startTestServer } from '../../sandbox-server/src/testing/server.ts';
import { formatPage, runGuide } from './runner.ts';

const given = process.argv.slice(2);
const contentDirs = (given.length > 0 ? given : TEST_PAGES).map((dir) => path.resolve(dir));
const started = performance.now();
// The pages' own images (a catalog/ folder beside them) must be in the mirror their sandboxes pull
// from; for the tests' own pages that is the mirror the other tests share (testing/mirror.ts).
const catalogDirs = catalogDirsOf(contentDirs);
console.log(
  await makeMirrorCurrent({
    docker: new Docker(),
    config: { ...loadConfig(process.env), catalogDirs },
    log: (line) => process.stderr.write(`  ${line}\n`),
  }),
);
// With a warm pool, as `npm start` serves readers: most pages run in pooled sandboxes.
const server = await startTestServer({
  BERTH_SESSIONS_PER_CLIENT: '100',
  BERTH_MAX_SANDBOXES: '100',
  BERTH_POOL_SIZE: '2',
});
let reports: Awaited<ReturnType<typeof runGuide>> = [];
try {
  reports = await runGuide(server.url, contentDirs, (report) => console.log(formatPage(report)));
} finally {
  await server.shutdown();
  await removeInstance(server.instance);
}
const all = reports.flatMap((report) => report.results);
const count = (status: string) => all.filter((r) => r.status === status).length;
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`\nguide: ${reports.length} pages, ${all.length} blocks in ${seconds} s`);
for (const failure of all) {
  if (failure.status !== 'failed') continue;
  console.log(
    `  failed: ${failure.page}${failure.block ? `:${failure.block.line}` : ''} \`${failure.command}\``,
  );
}
console.log(
  `${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped, ${count('placeholder')} with placeholders`,
);
process.exitCode = count('failed') > 0 || reports.length === 0 ? 1 : 0;
