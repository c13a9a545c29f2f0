import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { TerminalClient } from '../../sandbox-server/src/testing/terminal-client.ts';
import { ANSWER_WITHIN_MS, sandboxOf, useHostile, type Visitor } from './hostile.ts';

/*
 * A visitor making the server and the shared engine work for them: view calls in a flood, the
 * programs those calls run replaced, terminals opened in a loop, output where only the engine reads
 * it. Their own calls are refused or slowed; the bystander answers in time throughout.
 */
/** The server's log, counted: what a visitor makes it write is bounded too. */
let loggedBytes = 0;
const hostile = useHostile(
  {},
  pino(
    { level: 'warn' },
    {
      write: (line: string) => {
        loggedBytes += line.length;
      },
    },
  ),
);

/**
 * Installs `script` as a program of the sandbox's, in front of the real one on PATH. Docker is
 * started first: the views run their programs only once it has (it starts on its first use).
 */
async function replace(visitor: Visitor, program: string, script: string): Promise<void> {
  const started = await visitor.terminal.run('docker info >/dev/null');
  expect(started.code, started.output).toBe(0);
  const encoded = Buffer.from(script).toString('base64');
  const installed = await visitor.terminal.run(
    `echo ${encoded} | base64 -d | sudo tee /usr/local/bin/${program} >/dev/null && sudo chmod 755 /usr/local/bin/${program}`,
  );
  expect(installed.code, installed.output).toBe(0);
}

function views(visitor: Visitor, count: number) {
  return Promise.all(
    Array.from({ length: count }, () =>
      fetch(`${hostile.server.url}/api/session/containers`, { headers: { cookie: visitor.session.cookie } }),
    ),
  );
}

/** CPU seconds the host's dockerd has used so far, from its /proc stat (utime + stime). */
function engineCpuSeconds(): number {
  // The host's own: every sandbox's inner dockerd shows in the host's process list too.
  const pid = readFileSync('/var/run/docker.pid', 'utf8').trim();
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks (USER_HZ = 100)
}

/** Host processes with `target` among their open files, and the host uid each runs as. */
function holdersOf(target: string): { pid: string; uid: number; command: string }[] {
  const holders = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const fds = readdirSync(`/proc/${pid}/fd`);
      if (!fds.some((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`) === target)) continue;
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
      holders.push({ pid, uid, command: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ') });
    } catch {
      // gone meanwhile
    }
  }
  return holders;
}

describe('a visitor making the server work', () => {
  it('400 view calls at once, curl replaced by one that hangs: a few run, the rest get 429 with Retry-After', async () => {
    const attacker = await hostile.attacker();
    await replace(
      attacker,
      'curl',
      '#!/bin/sh\necho called >>/tmp/curl-calls\nsleep 5\nexec /usr/bin/curl "$@"\n',
    );
    const answers = await views(attacker, 400);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(376);
    expect(refused.every((answer) => Number(answer.headers.get('retry-after')) >= 1)).toBe(true);
    expect(await refused[0]?.json()).toMatchObject({ error: { code: 'too_many_requests' } });
    const calls = await attacker.terminal.run('sleep 1; wc -l </tmp/curl-calls');
    expect(Number(/^(\d+)\r?$/m.exec(calls.output)?.[1])).toBeLessThanOrEqual(4);
  });

  it('curl replaced by one that answers 100 MB: the view is refused, and the server keeps only a bounded part', async () => {
    const attacker = await hostile.attacker();
    await replace(attacker, 'curl', '#!/bin/sh\nhead -c 100000000 /dev/zero\n');
    const before = process.memoryUsage().rss;
    const [answer] = await views(attacker, 1);
    expect(answer?.status).toBe(503);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('opens and closes a terminal in a loop: a burst is let through, then 429', async () => {
    const attacker = await hostile.attacker();
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) {
      try {
        const terminal = await TerminalClient.open(hostile.server.url, 'loop', {
          cookie: attacker.session.cookie,
        });
        terminal.ws.terminate();
        statuses.push(101);
      } catch (error) {
        statuses.push((error as { status: number }).status);
      }
    }
    const opened = statuses.filter((status) => status === 101).length;
    expect(opened).toBeGreaterThan(0);
    expect(opened).toBeLessThanOrEqual(50); // the burst of 40, and one a second
    expect(statuses.filter((status) => status === 429).length).toBe(100 - opened);
  });

  it('berth-term replaced by one that floods stderr: the terminal still opens, the server is not buried', async () => {
    const attacker = await hostile.attacker();
    const moved = await attacker.terminal.run(
      'sudo mv /usr/local/bin/berth-term /usr/local/bin/berth-term.real',
    );
    expect(moved.code).toBe(0);
    await replace(
      attacker,
      'berth-term',
      '#!/bin/sh\nhead -c 20000000 /dev/zero | tr "\\0" x >&2\nexec /usr/local/bin/berth-term.real "$@"\n',
    );
    const logged = loggedBytes;
    const second = await TerminalClient.open(hostile.server.url, 'second', {
      cookie: attacker.session.cookie,
    });
    await second.ready();
    expect((await second.run('echo through')).output).toContain('through');
    second.ws.terminate();
    // 20 MB said; the log took its first few KiB and a count.
    expect(loggedBytes - logged).toBeLessThan(64 * 1024);
  });

  it('yes >/proc/1/fd/1 (the container’s log): no process of theirs holds it, the engine is not kept busy', async () => {
    const attacker = await hostile.attacker();
    // The container's log is the pipe on its first process's stdout. Host uids from 100000 up are
    // the visitor's side: none of them may hold it, or (ptrace is theirs) write to it.
    const { State } = await (await sandboxOf(attacker)).inspect();
    const pipe = readlinkSync(`/proc/${State.Pid}/fd/1`);
    expect(pipe).toMatch(/^pipe:/);
    expect(holdersOf(pipe).filter((holder) => holder.uid >= 100_000)).toEqual([]);
    attacker.terminal.begin('sudo sh -c "yes >/proc/1/fd/1; yes >/proc/1/fd/2"');
    const cpuBefore = engineCpuSeconds();
    const started = Date.now();
    while (Date.now() - started < 5_000) {
      const echoStarted = Date.now();
      const token = `during-${Date.now()}`;
      expect((await hostile.bystander.terminal.run(`echo ${token}`, ANSWER_WITHIN_MS)).output).toContain(
        token,
      );
      expect(Date.now() - echoStarted).toBeLessThan(ANSWER_WITHIN_MS);
    }
    const cpu = engineCpuSeconds() - cpuBefore;
    const seconds = (Date.now() - started) / 1000;
    // A logged flood keeps dockerd at a full core; the bystander's echoes cost it a little.
    expect(cpu / seconds).toBeLessThan(0.3);
  });
});
