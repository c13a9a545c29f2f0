import Docker from 'dockerode';
import { label } from '../sandbox-server/src/sandboxes/docker/labels.ts';
import {
  type CreatedSession,
  createSession,
  endSession,
  eventually,
  poolSandboxes,
  sessionReady,
} from '../sandbox-server/src/testing/server.ts';
import { type Figure, higherThan, lowerThan, percentile } from './figures.ts';
import { TerminalProbe } from './probe.ts';

const docker = new Docker();
const ms = (since: number) => performance.now() - since;

/**
 * A session whose sandbox is ready and whose `main` shell shows its prompt, and how long that took.
 * Nothing is typed: the shell's first command line also starts the sandbox's Docker (it starts on
 * first use), which the figures that type measure as their own.
 */
async function readyShell(
  url: string,
): Promise<{ session: CreatedSession; shell: TerminalProbe; ms: number }> {
  const started = performance.now();
  const session = await createSession(url);
  if (session.status !== 201) throw new Error(`no session: ${JSON.stringify(session.body)}`);
  await sessionReady(url, session.cookie, 120_000);
  const shell = await TerminalProbe.open(url, 'main', session.cookie);
  await shell.ready();
  return { session, shell, ms: ms(started) };
}

/**
 * Session start → a shell prompt, `runs` times, one sandbox at a time, each ended before the
 * next; `before` runs ahead of each start and `check` sees each new session.
 */
async function startTimes(
  url: string,
  runs: number,
  before: () => Promise<unknown> = async () => {},
  check: (session: CreatedSession) => void = () => {},
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    await before();
    const { session, shell, ms: took } = await readyShell(url);
    check(session);
    samples.push(took);
    shell.close();
    await endSession(url, session.cookie);
  }
  return samples;
}

function startFigures(kind: 'cold' | 'pool', samples: number[], limitMs: number): Figure[] {
  return [
    {
      name: `${kind} start → shell prompt, p50`,
      value: percentile(samples, 50),
      unit: 'ms',
      target: lowerThan(limitMs),
    },
    {
      name: `${kind} start → shell prompt, p95`,
      value: percentile(samples, 95),
      unit: 'ms',
      note: `${samples.length} runs`,
    },
  ];
}

export async function coldStart(url: string, runs: number): Promise<Figure[]> {
  return startFigures('cold', await startTimes(url, runs), 300);
}

/**
 * Start from the warm pool: each run waits for the pool to refill first, so every sample is a
 * pool hit, as for a reader on a quiet server. Readers one after another make the pool grow
 * (it follows demand), so "refilled" means no pooled start is still under way or queued: a quiet
 * server, not one busy starting the next readers' sandboxes beside the one measured.
 */
export async function poolStart(url: string, runs: number): Promise<Figure[]> {
  const quiet = async () =>
    (await poolSandboxes(url, 'ready')) > 0 &&
    (await poolSandboxes(url, 'starting')) === 0 &&
    (await poolSandboxes(url, 'queued')) === 0;
  const refilled = () => eventually(quiet, 'a ready sandbox in a pool at rest', 120_000);
  const fromPool = (session: CreatedSession) => {
    if (session.body.state !== 'ready') throw new Error('the session did not come from the pool');
  };
  return startFigures('pool', await startTimes(url, runs, refilled, fromPool), 100);
}

/** Run (a command typed) → the first byte of its own output, and keystroke echo round trips. */
export async function interactive(url: string, samples: number): Promise<Figure[]> {
  const { session, shell } = await readyShell(url);
  try {
    await shell.run('true'); // the first line starts Docker: not what a keystroke costs
    const firstOutput: number[] = [];
    for (let i = 0; i < samples; i++) {
      const started = performance.now();
      // The output (42x, after the output-start mark) differs from the echoed command line (6*7).
      shell.type('echo $((6*7))x\r');
      await shell.output('42x');
      firstOutput.push(ms(started));
      await shell.prompt();
    }
    const echo = await echoRoundTrips(shell, samples);
    return [
      {
        name: 'Run → first output byte, p50',
        value: percentile(firstOutput, 50),
        unit: 'ms',
        target: lowerThan(50),
      },
      { name: 'Run → first output byte, p99', value: percentile(firstOutput, 99), unit: 'ms' },
      { name: 'keystroke echo, p50', value: percentile(echo, 50), unit: 'ms', target: lowerThan(5) },
      { name: 'keystroke echo, p99', value: percentile(echo, 99), unit: 'ms', target: lowerThan(20) },
    ];
  } finally {
    shell.close();
    await endSession(url, session.cookie);
  }
}

/** Types one letter at a time at a prompt and times each until the shell echoes it; clears the line after. */
async function echoRoundTrips(shell: TerminalProbe, samples: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const letter = String.fromCharCode(97 + (i % 26));
    const started = performance.now();
    shell.type(letter);
    await shell.until(new RegExp(letter));
    times.push(ms(started));
    if (i % 40 === 39) {
      shell.type('\x15'); // Ctrl-U: keep the line short
      await shell.settle();
    }
  }
  shell.type('\x15');
  await shell.settle();
  return times;
}

/** Output throughput of one terminal, and echo round trips in a second terminal meanwhile. */
export async function flood(url: string, megabytes: number): Promise<Figure[]> {
  const { session, shell } = await readyShell(url);
  const probe = await TerminalProbe.open(url, 'probe', session.cookie);
  try {
    await shell.run('true'); // the first line starts Docker: not what the flood measures
    await probe.run('true');
    const before = shell.bytes;
    const started = performance.now();
    const done = shell.run(`head -c ${megabytes * 1_000_000} /dev/zero | tr '\\0' x`, 300_000);
    let flooding = true;
    void done.finally(() => {
      flooding = false;
    });
    const echo: number[] = [];
    while (flooding) echo.push(...(await echoRoundTrips(probe, 10)));
    await done;
    const seconds = ms(started) / 1000;
    return [
      {
        name: 'terminal output throughput',
        value: (shell.bytes - before) / 1_000_000 / seconds,
        unit: 'MB/s',
        target: higherThan(20),
        note: `${megabytes} MB of output`,
      },
      {
        name: 'keystroke echo during the flood, p99',
        value: percentile(echo, 99),
        unit: 'ms',
        target: lowerThan(100),
        note: `p50 ${percentile(echo, 50).toFixed(1)} ms, p90 ${percentile(echo, 90).toFixed(1)} ms, ${echo.length} keys`,
      },
    ];
  } finally {
    probe.close();
    shell.close();
    await endSession(url, session.cookie);
  }
}

/** `docker run hello-world` and `docker pull nginx`, each in a fresh sandbox, timed from typing to the end mark. */
export async function dockerCommands(url: string): Promise<Figure[]> {
  const timed = async (command: string) => {
    const { session, shell } = await readyShell(url);
    try {
      const started = performance.now();
      const code = await shell.run(command);
      if (code !== 0) throw new Error(`${command} exited ${code}`);
      return ms(started);
    } finally {
      shell.close();
      await endSession(url, session.cookie);
    }
  };
  return [
    {
      name: 'docker run hello-world, fresh sandbox',
      value: await timed('docker run hello-world'),
      unit: 'ms',
      target: lowerThan(1000),
    },
    { name: 'docker pull nginx, fresh sandbox', value: await timed('docker pull nginx'), unit: 'ms' },
  ];
}

/**
 * Memory of a sandbox left idle with one shell open that never ran docker, as the host's engine
 * counts it (page cache excluded): what a reader who only reads costs.
 */
export async function idleMemory(url: string, idleSeconds: number): Promise<Figure[]> {
  const { session, shell } = await readyShell(url);
  try {
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    const [container] = await docker.listContainers({
      filters: JSON.stringify({ label: [`${label.session}=${session.id}`] }),
    });
    if (!container) throw new Error('the sandbox container is not listed');
    const stats = (await docker.getContainer(container.Id).stats({ stream: false })) as {
      memory_stats: { usage?: number; stats?: { cache?: number; inactive_file?: number } };
    };
    const { usage = 0, stats: detail = {} } = stats.memory_stats;
    const mib = (usage - (detail.cache ?? detail.inactive_file ?? 0)) / 1024 / 1024;
    return [
      {
        name: 'memory per idle sandbox, docker never run',
        value: mib,
        unit: 'MiB',
        target: lowerThan(15),
        note: `after ${idleSeconds} s idle`,
      },
    ];
  } finally {
    shell.close();
    await endSession(url, session.cookie);
  }
}

const medianStart = async (url: string, runs: number) => percentile(await startTimes(url, runs), 50);

/**
 * Adds idle sandboxes (each with a shell left open, as a reader who went away leaves it) in
 * batches, measuring a cold start after each batch, until it takes twice as long as on an empty
 * machine, `most` sandboxes are up, or the next batch and its start would not fit in `room`, the
 * sandboxes the server allows at once.
 */
export async function idleCapacity(url: string, most: number, room: number, batch = 10): Promise<Figure[]> {
  const baseline = await medianStart(url, 5);
  const idle: CreatedSession[] = [];
  const upTo = Math.min(most, room - 1); // one place kept for the start measured after each batch
  let latest = baseline;
  try {
    while (idle.length + batch <= upTo && latest < 2 * baseline) {
      const added = await Promise.all(
        Array.from({ length: batch }, async () => {
          const { session, shell } = await readyShell(url);
          shell.close(); // the shell lives on in the sandbox, as after a closed tab
          return session;
        }),
      );
      idle.push(...added);
      latest = await medianStart(url, 3);
      process.stderr.write(`bench:   ${idle.length} idle sandboxes: start ${Math.round(latest)} ms\n`);
    }
  } finally {
    await Promise.all(idle.map((session) => endSession(url, session.cookie)));
  }
  const starts = `start ${Math.round(baseline)} ms on an empty machine, ${Math.round(latest)} ms with ${idle.length} idle`;
  const stopped =
    room - 1 < most
      ? `stopped at the server's limit of ${room} sandboxes, short of ${most}`
      : `stopped at ${most}, the ramp's end`;
  return [
    {
      name: 'idle sandboxes before start latency doubles',
      value: idle.length,
      unit: 'sandboxes',
      target: higherThan(500),
      note: latest >= 2 * baseline ? starts : `at least: not doubled, ${stopped}; ${starts}`,
    },
  ];
}

/** What a simulated reader runs, as the guide's first pages have it. */
const READER_COMMANDS = [
  'docker run hello-world',
  'docker ps -a',
  'docker images',
  'docker run --rm busybox echo hi',
];

/**
 * `readers` readers at once, each starting a session and running READER_COMMANDS back to back (no
 * reading time between them): the time from typing each command to its first output byte, how
 * long each waited for a shell, and how many readers hit an error.
 */
export async function concurrentReaders(url: string, readers: number): Promise<Figure[]> {
  const toOutput: number[] = [];
  const toShell: number[] = [];
  const errors: string[] = [];
  await Promise.all(
    Array.from({ length: readers }, async () => {
      let ready: Awaited<ReturnType<typeof readyShell>> | undefined;
      try {
        ready = await readyShell(url);
        toShell.push(ready.ms);
        for (const command of READER_COMMANDS) {
          const started = performance.now();
          ready.shell.type(`${command}\r`);
          await ready.shell.output();
          toOutput.push(ms(started));
          const code = await ready.shell.prompt();
          if (code !== 0) throw new Error(`${command} exited ${code}`);
        }
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      } finally {
        ready?.shell.close();
        if (ready) await endSession(url, ready.session.cookie);
      }
    }),
  );
  const firstError = errors[0] === undefined ? '' : `; first error: ${errors[0].slice(0, 80)}`;
  return [
    {
      // Not a target of its own; said because sandboxes start a few at a time (see StartGate).
      name: `${readers} concurrent readers: session → shell, p50 / max`,
      value: percentile(toShell, 50),
      unit: 'ms',
      note: `max ${Math.round(Math.max(0, ...toShell))} ms`,
    },
    {
      name: `${readers} concurrent readers: time to output, p50`,
      value: percentile(toOutput, 50),
      unit: 'ms',
    },
    {
      name: `${readers} concurrent readers: time to output, p99`,
      value: percentile(toOutput, 99),
      unit: 'ms',
      target: lowerThan(3000),
    },
    {
      name: `${readers} concurrent readers: readers with an error`,
      value: errors.length,
      unit: 'readers',
      target: lowerThan(0),
      note: `${toOutput.length} commands timed${firstError}`,
    },
  ];
}
