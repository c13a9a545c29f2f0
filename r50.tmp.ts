import { spawnServer, removeInstance, uniqueInstance, createSession, sessionReady } from './sandbox-server/src/testing/server.ts';
import { TerminalProbe } from './bench/probe.ts';
import { percentile } from './bench/figures.ts';
const instance = uniqueInstance();
const server = await spawnServer({ BERTH_INSTANCE: instance, BERTH_MAX_SANDBOXES: '100', BERTH_SESSIONS_PER_CLIENT: '100' });
const url = server.url;
const N = Number(process.argv[2] ?? 50);
const t0 = performance.now();
const shells = await Promise.all(Array.from({ length: N }, async () => {
  const s = await createSession(url); await sessionReady(url, s.cookie, 300_000);
  const sh = await TerminalProbe.open(url, 'main', s.cookie); await sh.run('true'); return sh;
}));
console.log(`all ${N} ready after ${Math.round(performance.now() - t0)} ms`);
await new Promise((r) => setTimeout(r, 5000));
const by: Record<string, number[]> = {};
await Promise.all(shells.map(async (sh) => {
  for (const c of ['docker run hello-world', 'docker ps -a', 'docker images', 'docker run --rm busybox echo hi']) {
    const st = performance.now(); sh.type(`${c}\r`); await sh.until(/\x1b\]133;C(?:\x07|\x1b\\)[^\x1b]/);
    (by[c] ??= []).push(performance.now() - st); await sh.prompt();
  }
}));
const all = Object.values(by).flat();
for (const [c, v] of Object.entries(by)) console.log(c, 'p50', Math.round(percentile(v, 50)), 'p99', Math.round(percentile(v, 99)));
console.log('all p99', Math.round(percentile(all, 99)));
for (const sh of shells) sh.close();
server.child.kill('SIGTERM'); await server.exited; await removeInstance(instance);
