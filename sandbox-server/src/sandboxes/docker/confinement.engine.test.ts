import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server.ts';
import { readyTerminal, removeInstance, startTestServer } from '../../testing/server.ts';
import type { TerminalClient } from '../../testing/terminal-client.ts';

let server: RunningServer & { instance: string };
let terminal: TerminalClient;

beforeAll(async () => {
  server = await startTestServer();
  terminal = await readyTerminal(server.url);
});

afterAll(async () => {
  terminal?.ws.close();
  await server?.shutdown();
  if (server) await removeInstance(server.instance);
});

describe('a sandbox is confined', () => {
  it('by a seccomp filter, even for its root', async () => {
    expect((await terminal.run('grep ^Seccomp: /proc/self/status')).output).toMatch(/Seccomp:\s+2/);
    // Unfiltered, root with CAP_SYS_ADMIN would get as far as "No such file or directory".
    const swapoff = await terminal.run('sudo busybox swapoff /berth-no-such-swap 2>&1');
    expect(swapoff.code).not.toBe(0);
    expect(swapoff.output).toMatch(/Operation not permitted/);
  });

  it('and its own Docker still builds and runs containers under it', async () => {
    const build = await terminal.run(
      'mkdir -p /tmp/c && cd /tmp/c && printf "FROM busybox\\nRUN echo built > /b\\n" > Dockerfile && docker build -q -t confined . >/dev/null && docker run --rm --init confined cat /b',
      120_000,
    );
    expect(build).toMatchObject({ code: 0, output: expect.stringContaining('built') });
  });

  it('with the runtime flags the server was given, over its own', async () => {
    const flagged = await startTestServer({
      BERTH_RUNTIME_FLAGS: '{"Ulimits":[{"Name":"nofile","Soft":4321,"Hard":4321}]}',
    });
    try {
      const shell = await readyTerminal(flagged.url);
      expect((await shell.run('ulimit -n')).output).toMatch(/^4321\r?$/m);
      // Berth's own confinement stays where the flags do not speak.
      expect((await shell.run('grep ^Seccomp: /proc/self/status')).output).toMatch(/Seccomp:\s+2/);
      shell.ws.close();
    } finally {
      await flagged.shutdown();
      await removeInstance(flagged.instance);
    }
  });
});
