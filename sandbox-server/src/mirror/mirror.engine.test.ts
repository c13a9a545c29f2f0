import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG_NAMES } from '../images/index.ts';
import type { RunningServer } from '../server.ts';
import { ensureTestMirror } from '../testing/mirror.ts';
import { readyTerminal, removeInstance, startTestServer } from '../testing/server.ts';
import type { TerminalClient } from '../testing/terminal-client.ts';

let server: RunningServer & { instance: string };
const terminals: TerminalClient[] = [];

async function sandboxShell(): Promise<TerminalClient> {
  const terminal = await readyTerminal(server.url);
  terminals.push(terminal);
  return terminal;
}

beforeAll(async () => {
  // What `npm test`'s set-up does; a no-op when already current.
  await ensureTestMirror();
  server = await startTestServer({ BERTH_SESSIONS_PER_CLIENT: '10' });
});

afterAll(async () => {
  for (const terminal of terminals) terminal.ws.terminate();
  await server?.shutdown();
  if (server) await removeInstance(server.instance);
});

describe('the registry mirror, offline', () => {
  it('serves hello-world, which explains itself, in a fresh sandbox', async () => {
    const t = await sandboxShell();
    const run = await t.run('time docker run hello-world');
    expect(run.code).toBe(0);
    expect(run.output).toMatch(/Berth/);
    expect(run.output).toMatch(/registry mirror/i);
  });

  it('serves nginx, whose page answers on published ports, as the guide publishes them', async () => {
    const t = await sandboxShell();
    expect((await t.run('docker pull nginx')).code).toBe(0);
    expect((await t.run('docker run -d -p 8080:80 nginx')).code).toBe(0);
    const page = await t.run('curl -s --retry 5 --retry-all-errors --retry-delay 1 localhost:8080');
    expect(page.output).toMatch(/<title>[^<]*nginx/i);
    expect((await t.run('docker run -d -p 127.0.0.1:5000:80 --name nginx_web nginx')).code).toBe(0);
    const guide = await t.run('curl -s --retry 5 --retry-all-errors --retry-delay 1 http://127.0.0.1:5000');
    expect(guide.output).toMatch(/<title>/);
  });

  it('has busybox and both debian releases', async () => {
    const t = await sandboxShell();
    expect((await t.run('docker run --rm busybox ip addr show eth0')).output).toMatch(/inet 172\./);
    expect((await t.run('docker run --rm debian cat /etc/os-release')).output).toMatch(/trixie/);
    expect((await t.run('docker run --rm debian:bookworm cat /etc/os-release')).output).toMatch(/bookworm/);
  });

  it("builds the guide's Dockerfile, from the mirror's debian and Debian's apt mirror", async () => {
    const t = await sandboxShell();
    const dockerfile = [
      "mkdir -p ~/nginx-demo && cd ~/nginx-demo && cat > Dockerfile <<'EOF'",
      'FROM debian:trixie',
      'LABEL org.opencontainers.image.authors="Berth test"',
      'RUN apt-get update',
      'RUN apt-get install -y --no-install-recommends nginx',
      'EXPOSE 80',
      'EOF',
    ].join('\r');
    expect((await t.run(dockerfile)).code).toBe(0);
    const build = await t.run('docker build -t guide/static_nginx_web .', 300_000);
    expect(build.code, build.output.slice(-2000)).toBe(0);
    expect((await t.run('docker image inspect guide/static_nginx_web >/dev/null')).code).toBe(0);
  });

  it('explains, in plain words, an image that is not available offline', async () => {
    const t = await sandboxShell();
    const pull = await t.run('docker pull no-such-image-anywhere');
    expect(pull.code).not.toBe(0);
    expect(pull.output).toMatch(/no internet/i);
    // The list is the mirror's own: the stand-ins with their tags, and the team's images.
    for (const name of [
      'hello-world',
      'busybox',
      'debian (',
      'nginx',
      'python (',
      'postgres (',
      'mysql (',
      'acme/greeter (',
    ])
      expect(pull.output).toContain(name);
    expect(CATALOG_NAMES).toContain('nginx');
    // A version tutorials pin, of an image that is here under other tags: which tags, in a line.
    const pinned = await t.run('docker run --rm python:3.12-slim python --version');
    expect(pinned.code).toBe(125);
    expect(pinned.output).toMatch(/python:3\.12-slim is not here: python is, tagged [^\n]*3-slim/);
    const built = await t.run(
      "mkdir -p /tmp/pinned && printf 'FROM node:18-alpine\\n' > /tmp/pinned/Dockerfile && docker build -q /tmp/pinned",
    );
    expect(built.code).not.toBe(0);
    expect(built.output).toMatch(/node:18-alpine is not here: node is, tagged [^\n]*lts/);
    // Compose's own output is left alone; when it fails, the images it could not have are named.
    const compose = await t.run(
      "mkdir -p /tmp/app && printf 'services:\\n  cache:\\n    image: redis:alpine\\n  db:\\n    image: postgres:17\\n' > /tmp/app/compose.yaml && docker compose -f /tmp/app/compose.yaml up -d",
    );
    expect(compose.code).not.toBe(0);
    expect(compose.output).toMatch(/not available offline: redis:alpine\r?\n/);
    expect(compose.output).toMatch(/redis:alpine is not here: redis is, tagged [^\n]*8/);
    // What needs Docker Hub itself says so; a login does not ask for a password to send nowhere.
    const login = await t.run('docker login -u sammy');
    expect(login.code).toBe(1);
    expect(login.output).toMatch(/cannot log in to Docker Hub/);
    expect(login.output).not.toMatch(/Password/);
    const search = await t.run('docker search ubuntu');
    expect(search.code).not.toBe(0);
    expect(search.output).toMatch(/docker search and docker push need Docker Hub/);
    expect(pull.output).not.toMatch(/alpine and ubuntu/);
    // Tutorials' favourites that are not faked: said so, with why and what to use instead.
    const alpine = await t.run('docker run --rm -it alpine:3.20 sh');
    expect(alpine.code).not.toBe(0);
    expect(alpine.output).toMatch(/alpine and ubuntu are not among them[\s\S]*apk[\s\S]*Use debian/);
  });

  it('builds a Dockerfile whose first line names BuildKit’s frontend, with the classic builder', async () => {
    const t = await sandboxShell();
    const built = await t.run(
      "mkdir -p /tmp/syntax && printf '# syntax=docker/dockerfile:1\\nFROM busybox\\nRUN echo built > /built\\n' > /tmp/syntax/Dockerfile && docker build -t syntax-demo /tmp/syntax",
    );
    expect(built.code, built.output).toBe(0);
    expect(built.output).toMatch(/frontend from Docker Hub[\s\S]*classic\s+builder/);
    expect((await t.run('docker run --rm syntax-demo cat /built')).output).toMatch(/^built\r?$/m);
  });

  it('serves python and redis as tutorials use them', async () => {
    const t = await sandboxShell();
    const python = await t.run('docker run --rm python:3-slim python -c "print(6 * 7)"');
    expect(python.output).toMatch(/^42\r?$/m);
    expect((await t.run('docker run -d --name some-redis redis')).code).toBe(0);
    const cli = await t.run(
      'for i in 1 2 3 4 5; do docker exec some-redis redis-cli PING && break; sleep 1; done',
    );
    expect(cli.output).toMatch(/PONG/);
  });

  it('is read-only, and no sandbox reaches another through it or directly', async () => {
    const a = await sandboxShell();
    const b = await sandboxShell();
    const push = await a.run(
      'docker tag busybox berth-mirror:5000/left/for-b && docker push berth-mirror:5000/left/for-b',
    );
    expect(push.code).not.toBe(0);

    expect((await b.run('docker run -d -p 8080:80 nginx')).code).toBe(0);
    expect(
      (await b.run('curl -s --retry 5 --retry-all-errors --retry-delay 1 -o /dev/null localhost:8080')).code,
    ).toBe(0);
    const address = (await b.run("hostname -I | awk '{print $1}'")).output.trim().split(/\s+/).pop();
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const reach = await a.run(`curl -s --max-time 3 -o /dev/null http://${address}:8080`);
    expect(reach.code).not.toBe(0);
  });
});
