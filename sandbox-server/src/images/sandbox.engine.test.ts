import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  confinement,
  EXEC_USER,
  inside,
  READER,
  readerIds,
  sandboxStorage,
} from '../sandboxes/docker/confinement.ts';
import { FramedTerminal } from '../sandboxes/docker/framed-terminal.ts';
import { SANDBOX_IMAGE } from './names.ts';
import { ensureReaderRoot } from './reader-root.ts';
import { ensureSandboxImage } from './sandbox-image.ts';

// The flag set the server uses (see ARCHITECTURE.md, "Facts verified on these machines"), and its way in.
const docker = new Docker();
const name = `berth-sandbox-test-${randomUUID().slice(0, 8)}`;
let container: Docker.Container;

describe('the sandbox image', () => {
  beforeAll(async () => {
    await ensureSandboxImage({ docker, log: () => {} });
    const readerRoot = await ensureReaderRoot({ docker, image: SANDBOX_IMAGE, log: () => {} });
    await docker.createVolume({ Name: name, Labels: { 'berth.test': 'images' } });
    const disk = sandboxStorage({ volume: name, bytes: 2 * 1024 ** 3, readerRoot: readerRoot.ref });
    container = await docker.createContainer({
      name,
      Image: SANDBOX_IMAGE,
      Hostname: 'sandbox',
      Env: ['DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1', ...disk.env, ...readerIds('10.255.255.0/24').env],
      Labels: { 'berth.test': 'images' },
      HostConfig: {
        ...confinement(),
        Memory: 1024 ** 3,
        PidsLimit: 512,
        ...disk.hostConfig,
      },
    });
    await container.start();
    await waitForLogLine(container, /^berth: sandbox (ready|failed: .*)$/m, 60_000).then((line) =>
      expect(line).toBe('berth: sandbox ready'),
    );
  });

  afterAll(async () => {
    await container?.remove({ force: true }).catch(() => {});
    await docker
      .getVolume(name)
      .remove()
      .catch(() => {});
  });

  it("holds Docker's socket and starts the engine on its first use", async () => {
    // Before anything asked for Docker: a shell, no engine.
    expect((await exec(['/usr/local/sbin/berth-dockerd', 'state'])).stdout).toBe('idle\n');
    expect((await exec(['pgrep', '-x', 'dockerd'])).exitCode).toBe(1);
    const first = await exec(['docker', 'info', '--format', '{{.ServerVersion}}']);
    expect(first.exitCode, first.stderr).toBe(0);
    expect((await exec(['/usr/local/sbin/berth-dockerd', 'state'])).stdout).toBe('ready\n');
  });

  it('runs Docker 26 inside', async () => {
    const { stdout } = await exec(['docker', 'version', '--format', '{{.Server.Version}}']);
    expect(stdout).toMatch(/^26\./);
  });

  it('answers systemctl status docker like systemd', async () => {
    const { stdout, exitCode } = await exec(['systemctl', 'status', 'docker']);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('docker.service - Docker Application Container Engine');
    expect(stdout).toMatch(/Active: active \(running\) since .*; .* ago/);
  });

  it('stops Docker as the reader asked, and starts it again on the next docker command', async () => {
    expect((await exec(['systemctl', 'stop', 'docker'])).exitCode).toBe(0);
    const stopped = await exec(['systemctl', 'status', 'docker']);
    expect(stopped.exitCode).toBe(3);
    expect(stopped.stdout).toContain('Active: inactive (dead)');
    expect((await exec(['/usr/local/sbin/berth-dockerd', 'state'])).stdout).toBe('stopped\n');
    // As with systemd's docker.socket, which stays listening when docker.service stops.
    expect((await exec(['docker', 'ps', '-q'])).exitCode).toBe(0);
    expect((await exec(['systemctl', 'is-active', 'docker'])).stdout).toBe('active\n');
  });

  it('runs an inner container with its own network', async () => {
    const script = [
      'set -e',
      'mkdir -p /tmp/tiny/bin && cp /bin/busybox /tmp/tiny/bin/',
      'tar -C /tmp/tiny -c . | docker import - tiny >/dev/null',
      'docker run --rm tiny /bin/busybox ip -4 addr show eth0',
    ].join('\n');
    const { stdout, exitCode } = await exec(['bash', '-c', script]);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/inet 172\.\d+\.\d+\.\d+/);
  });

  it("explains after Docker's own error that an image is not available offline", async () => {
    // No mirror is attached here, so every pull fails as it would for an image outside the catalog.
    const { stderr, exitCode } = await exec(['docker', 'run', '--rm', 'no-such-image']);
    expect(exitCode).toBe(125);
    expect(stderr).toMatch(/Error response from daemon: [\s\S]*\n\nThis sandbox has no internet/);
    expect(stderr).toContain('hello-world, busybox, debian (trixie, latest, bookworm), nginx');
    expect(stderr).toContain('curl -s http://berth-mirror:5000/v2/_catalog');
  });

  it('passes a failing container through untouched: its output, its exit code, no explanation', async () => {
    const script = [
      'mkdir -p /tmp/tiny2/bin && cp /bin/busybox /tmp/tiny2/bin/',
      'tar -C /tmp/tiny2 -c . | docker import - tiny2 >/dev/null',
      'docker run --rm tiny2 /bin/busybox sh -c "echo out; echo err >&2; exit 3"',
    ].join(' && ');
    const { stdout, stderr, exitCode } = await exec(['bash', '-c', script]);
    expect({ stdout, stderr, exitCode }).toEqual({ stdout: 'out\n', stderr: 'err\n', exitCode: 3 });
  });

  it('marks prompts and commands with OSC 133 in a berth-term terminal', async () => {
    const terminal = await attach('osc', ['true', 'false', '', 'exit 5']);
    expect(terminal.exitCode).toBe(5);
    expect(terminal.output).toContain('\x1b]133;A\x07');
    expect(terminal.output).toMatch(/reader@sandbox.*:.*~.*\$ \x1b\]133;B\x07/);
    expect(terminal.output).toContain('\x1b]133;C\x07\x1b]133;D;0\x07');
    expect(terminal.output).toContain('\x1b]133;C\x07\x1b]133;D;1\x07');
    // true, false and exit ran; the empty Enter made no command.
    expect(terminal.output.match(/\x1b\]133;C\x07/g)).toHaveLength(3);
  });

  it('has the tools tutorials assume, ping as the reader among them', async () => {
    const tools = await exec([
      'bash',
      '-c',
      'git --version && jq --version && wget --version | head -1 && nano --version | head -1',
    ]);
    expect(tools.exitCode, tools.stderr).toBe(0);
    const ping = await exec(['ping', '-c', '1', '-W', '2', '127.0.0.1']);
    expect(ping.exitCode, ping.stderr).toBe(0);
    expect(ping.stdout).toMatch(/1 received/);
  });

  it('explains that git cannot clone offline, after git’s own error and with its exit code', async () => {
    // .invalid never resolves (RFC 2606): nothing leaves the machine.
    const clone = await exec(['bash', '-c', 'cd /tmp && git clone https://example.invalid/team/app.git']);
    expect(clone.exitCode).toBe(128);
    expect(clone.stderr).toMatch(
      /Could not resolve host: example\.invalid[\s\S]*This sandbox has no internet/,
    );
    const local = await exec([
      'bash',
      '-c',
      'cd /tmp && git init -q here && git -C here status --short && echo ok',
    ]);
    expect(local.stdout).toContain('ok');
    expect(local.stderr).not.toMatch(/no internet/);
  });

  it('attaches only when asked for frames, which never belong on a TTY', async () => {
    const plain = await exec(['berth-term', 'attach', 'plain', '100x30']);
    expect(plain.exitCode).toBe(2);
    expect(plain.stderr).toMatch(/^usage: berth-term attach NAME .* --framed$/m);
  });

  it('keeps a shell and its jobs across a detach and replays its output', async () => {
    const id = randomUUID();
    const first = await startAttach('keep', id);
    first.stream.write('KEPT=yes; sleep 1000 & echo marker-$((6*7))\r');
    await first.waitFor(/marker-42/);
    await exec(['berth-term', 'detach', 'keep', id]);
    await first.ended;

    const second = await startAttach('keep', randomUUID());
    await second.waitFor(/marker-42/); // replayed
    second.stream.write('echo "KEPT=$KEPT"; jobs\r');
    await second.waitFor(/KEPT=yes\r\n\[1\]\+ +Running +sleep 1000/);
    second.stream.write('kill %1; exit\r');
    await second.ended;
  });
});

async function exec(cmd: string[], as: typeof READER | 'root' = READER) {
  const argv = as === 'root' ? inside(cmd) : inside(cmd, as);
  const execution = await container.exec({
    Cmd: argv,
    User: EXEC_USER,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await execution.start({});
  const [stdout, stderr] = [new PassThrough(), new PassThrough()];
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  docker.modem.demuxStream(stream, stdout, stderr);
  await new Promise((resolve) => stream.on('end', resolve));
  const { ExitCode } = await execution.inspect();
  return { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), exitCode: ExitCode };
}

/**
 * Attaches a terminal the way the server does (sandboxes/docker/terminal-attach.ts): a TTY-less exec of
 * `berth-term attach --framed` as reader, berth-term's frames spoken here.
 */
async function startAttach(terminal: string, id: string) {
  const execution = await container.exec({
    Cmd: inside(['berth-term', 'attach', terminal, '100x30', '--id', id, '--framed'], READER),
    User: EXEC_USER,
    Env: ['TERM=xterm-256color', 'HOME=/home/reader'],
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
  });
  let said = '';
  const stream = new FramedTerminal(
    (await execution.start({ hijack: true, stdin: true })) as Duplex,
    (text) => {
      said += text;
    },
  );
  let output = '';
  stream.on('data', (chunk: Buffer) => {
    output += chunk.toString('latin1');
  });
  const ended = new Promise<void>((resolve) => stream.on('end', resolve));
  return {
    stream,
    ended,
    get output() {
      return output;
    },
    waitFor: (pattern: RegExp) =>
      poll(() => pattern.test(output), `${pattern} in ${JSON.stringify(output)} (stderr: ${said})`),
    /** The shell's, from berth-term's last frame. */
    exitCode: () => stream.exitCode,
  };
}

async function attach(terminal: string, lines: string[]) {
  const session = await startAttach(terminal, randomUUID());
  await session.waitFor(/\x1b\]133;B\x07/);
  for (const line of lines) {
    const prompts = session.output.split('\x1b]133;B\x07').length;
    session.stream.write(`${line}\r`);
    // The next prompt, unless the line ends the shell.
    if (!line.startsWith('exit')) await session.waitFor(new RegExp(`(\x1b]133;B\x07[^]*){${prompts}}`));
  }
  await session.ended;
  return { output: session.output, exitCode: session.exitCode() };
}

async function waitForLogLine(target: Docker.Container, pattern: RegExp, timeoutMs: number) {
  const stream = await target.logs({ follow: true, stdout: true, stderr: true });
  const out = new PassThrough();
  docker.modem.demuxStream(stream, out, new PassThrough());
  let text = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${pattern} in the log within ${timeoutMs} ms`)),
        timeoutMs,
      );
      out.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const match = pattern.exec(text);
        if (match) {
          clearTimeout(timer);
          resolve(match[0]);
        }
      });
    });
  } finally {
    (stream as unknown as { destroy(): void }).destroy();
  }
}

async function poll(check: () => boolean, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
