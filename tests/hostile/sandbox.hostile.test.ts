import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statfsSync, statSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../sandbox-server/src/testing/server.ts';
import { sandboxOf, statsOf, untilPids, useHostile } from './hostile.ts';

const run = promisify(execFile);

/** The server's defaults, which the hostile server keeps, but the disk (see useHostile). */
const PIDS = 512;
const MEMORY = 1024 ** 3;
const DISK = 512 * 1024 ** 2;

/** Bytes the host holds of a sandbox's disk file, on its volume. */
async function diskFileBytes(container: Awaited<ReturnType<typeof sandboxOf>>): Promise<number> {
  const volume = (await container.inspect()).Mounts.find((mount) => mount.Destination === '/berth/volume');
  return statSync(`${volume?.Source}/disk.img`).blocks * 512;
}

/** Bytes in the container's own writable layer on the host, which only the container's root writes. */
async function upperDirBytes(container: Awaited<ReturnType<typeof sandboxOf>>): Promise<number> {
  const upper = ((await container.inspect()).GraphDriver.Data as { UpperDir?: string }).UpperDir ?? '';
  const { stdout } = await run('du', ['-s', '-B1', upper]);
  return Number(stdout.split(/\s/)[0]);
}

/** Free inodes of the host file system under `path`. */
function freeInodes(path: string): number {
  return statfsSync(path).ffree;
}

const hostile = useHostile();

/** A file on the host that nothing inside a sandbox may read. */
const marker = { path: `/var/tmp/berth-hostile-${randomBytes(4).toString('hex')}`, text: '' };
beforeAll(() => {
  marker.text = `host-secret-${randomBytes(8).toString('hex')}`;
  writeFileSync(marker.path, marker.text);
});
afterAll(() => rmSync(marker.path, { force: true }));

describe('a visitor turning on their own sandbox', () => {
  it('fork-bombs it: the bomb stops at the sandbox’s process limit', async () => {
    const attacker = await hostile.attacker();
    attacker.terminal.begin('bomb() { bomb | bomb & }; bomb');
    expect(await untilPids(attacker, PIDS * 0.9)).toBeLessThanOrEqual(PIDS);
    expect((await statsOf(attacker)).pids_stats).toMatchObject({ limit: PIDS });
  });

  it('fork-bombs an inner container: the sandbox’s limit holds for everything under it', async () => {
    const attacker = await hostile.attacker();
    const started = await attacker.terminal.run(
      'docker run -d --name bomb busybox sh -c "bomb() { bomb | bomb & }; bomb; sleep 3600"',
    );
    expect(started.code, started.output).toBe(0);
    expect(await untilPids(attacker, PIDS * 0.9)).toBeLessThanOrEqual(PIDS);
  });

  it('hogs memory: the hog is killed at the sandbox’s limit, and the sandbox lives on', async () => {
    const attacker = await hostile.attacker();
    // tail keeps a line whole, and /dev/zero has no newline: it grows until it is stopped.
    const hog = await attacker.terminal.run('head -c 3G /dev/zero | tail > /dev/null; echo "tail=$?"');
    expect(hog.output).toMatch(/tail=137/); // SIGKILL, from the OOM killer
    expect((await statsOf(attacker)).memory_stats.limit).toBe(MEMORY);
    expect((await attacker.terminal.run('docker info --format "{{.Name}}"')).output).toContain('node1');
  });

  it('spins every core it can: it gets one CPU', async () => {
    const attacker = await hostile.attacker();
    attacker.terminal.begin('for i in 1 2 3 4; do (while :; do :; done) & done; wait');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const before = await statsOf(attacker);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const after = await statsOf(attacker);
    const cpuNs = after.cpu_stats.cpu_usage.total_usage - before.cpu_stats.cpu_usage.total_usage;
    const wallNs = (Date.parse(after.read) - Date.parse(before.read)) * 1e6;
    const cpus = cpuNs / wallNs;
    expect(cpus).toBeGreaterThan(0.3); // it did spin (less when the host is busy with other work)
    expect(cpus).toBeLessThan(1.15); // but within BERTH_SANDBOX_CPUS=1
  });

  it('fills the disk, in its home and in an inner container: writes stop at the allowance, the sandbox lives on', async () => {
    const attacker = await hostile.attacker();
    const container = await sandboxOf(attacker);
    const upperBefore = await upperDirBytes(container);
    const home = await attacker.terminal.run(
      'dd if=/dev/zero of=$HOME/fill bs=1M count=300 status=none; echo rc=$?',
    );
    expect(home.output).toContain('rc=0');
    const inner = await attacker.terminal.run(
      'docker run --rm busybox dd if=/dev/zero of=/fill bs=1M count=300; echo rc=$?',
      90_000,
    );
    expect(inner.output).toMatch(/No space left on device/);
    // The kernel held it to the allowance: its disk file on the host, and nothing past it.
    expect(await diskFileBytes(container)).toBeLessThanOrEqual(DISK);
    expect((await upperDirBytes(container)) - upperBefore).toBeLessThan(16 * 1024 * 1024);
    // Full is a state the reader can leave, as on a machine of their own.
    expect((await attacker.terminal.run('rm $HOME/fill && echo freed')).output).toContain('freed');
  });

  it('fallocates 500 GB, and makes files until the inodes run out: its own disk says no, the host’s is untouched', async () => {
    const attacker = await hostile.attacker();
    const started = Date.now();
    const huge = await attacker.terminal.run('fallocate -l 500G $HOME/huge; echo rc=$?');
    expect(huge.output).toMatch(/No space left on device[\s\S]*rc=1/);
    expect(Date.now() - started).toBeLessThan(10_000);
    const hostInodes = freeInodes('/var/lib/docker');
    const files = await attacker.terminal.run(
      'mkdir $HOME/many && cd $HOME/many && seq 1 60000 | xargs touch 2>&1 | tail -1; cd; ls many | wc -l',
      120_000,
    );
    expect(files.output).toMatch(/No space left on device/);
    expect(hostInodes - freeInodes('/var/lib/docker')).toBeLessThan(5_000);
  });

  it('churns files while the reaper measures: measured in one look, the server and the bystander unbothered', async () => {
    const attacker = await hostile.attacker();
    attacker.terminal.begin('while :; do mkdir -p $HOME/c && touch $HOME/c/{1..200} && rm -rf $HOME/c; done');
    await eventually(
      async () => {
        const metrics = await (await fetch(`${hostile.server.url}/metrics`)).text();
        return Number(/^berth_sandbox_disk_bytes (\d+)/m.exec(metrics)?.[1] ?? 0) > 0;
      },
      'a disk measurement',
      45_000,
    );
  });

  it('writes to /proc/sysrq-trigger: there is none to write to', async () => {
    const attacker = await hostile.attacker();
    const sysrq = await attacker.terminal.run('echo h | sudo tee /proc/sysrq-trigger');
    expect(sysrq.code).not.toBe(0);
    expect(sysrq.output).toMatch(/No such file or directory|Read-only file system|Permission denied/);
    // Under the reader's own /proc lies the container's, whole (no masked paths): theirs to
    // uncover, but what the host's root owns there stays closed.
    const uncovered = await attacker.terminal.run(
      'sudo umount /proc && sudo cat /proc/1/cmdline /proc/1/environ; echo h | sudo tee /proc/sysrq-trigger',
    );
    expect(uncovered.output).toContain('docker-init'); // the container's PID 1: this is its /proc
    expect(uncovered.output).toMatch(/environ: Permission denied/);
    expect(uncovered.code).not.toBe(0);
    expect(uncovered.output).toMatch(/sysrq-trigger: (No such file or directory|Permission denied)/);
  });

  it('loads a kernel module: not permitted', async () => {
    const attacker = await hostile.attacker();
    const insmod = await attacker.terminal.run(
      'head -c 64 /dev/zero > /tmp/x.ko && sudo busybox insmod /tmp/x.ko',
    );
    expect(insmod.code).not.toBe(0);
    expect(insmod.output).toMatch(/Operation not permitted/);
  });

  it('makes a node for the host’s disk: it cannot be opened or mounted', async () => {
    const attacker = await hostile.attacker();
    const { major, minor } = deviceNumbers(statSync('/').dev);
    const disk = await attacker.terminal.run(
      `sudo mknod /tmp/hostdisk b ${major} ${minor} && sudo dd if=/tmp/hostdisk of=/dev/null bs=512 count=1`,
    );
    expect(disk.code).not.toBe(0);
    expect(disk.output).toMatch(/Permission denied|Operation not permitted/);
    // noload: were the mount to succeed, it would still not replay the journal, i.e. write.
    const mount = await attacker.terminal.run(
      'sudo mkdir -p /mnt/h && sudo mount -o ro,noload /tmp/hostdisk /mnt/h',
    );
    expect(mount.code).not.toBe(0);
    expect((await attacker.terminal.run('ls /dev')).output).not.toMatch(/\b(sd[a-z]|vd[a-z]|nvme\d)/);
  });

  it('nsenters PID 1: that is the sandbox’s own init, and the host stays out of sight', async () => {
    const attacker = await hostile.attacker();
    // All of them: the time namespace is the host's, and not the reader's root's to join.
    const all = await attacker.terminal.run(`sudo nsenter -t 1 -a sh -c 'hostname; cat ${marker.path}'`);
    expect(all.code).not.toBe(0);
    expect(all.output).toMatch(/Operation not permitted/);
    const entered = await attacker.terminal.run(
      `sudo nsenter -t 1 -m -u -i -n -p sh -c 'hostname; cat ${marker.path}'`,
    );
    expect(entered.output).toMatch(/^node1\r?$/m);
    expect(entered.output).not.toContain(marker.text);
  });

  it('runs an inner container with --privileged and the root mounted: it sees only the sandbox', async () => {
    const attacker = await hostile.attacker();
    for (const flags of ['--privileged -v /:/host', '-v /:/host']) {
      const mounted = await attacker.terminal.run(
        `docker run --rm ${flags} busybox sh -c 'cat /host/etc/hostname; cat /host${marker.path}'`,
        90_000,
      );
      expect(mounted.output).toMatch(/^node1\r?$/m);
      expect(mounted.output).not.toContain(marker.text);
    }
  });

  // Each writes back the value it read, so it would change nothing on the host if it got through;
  // what is asserted is that it does not. kernel.core_pattern names a program the kernel runs as
  // the host's root: a sandbox that could write it would be root on the host.
  describe('writes host-wide kernel settings: refused', () => {
    const writeBack = (path: string) => `cat ${path} > /tmp/was && cat /tmp/was > ${path}`;

    it('through a /proc of its own, and with sysctl', async () => {
      const attacker = await hostile.attacker();
      const mounted = await attacker.terminal.run(
        `sudo sh -c 'mkdir -p /tmp/p && mount -t proc proc /tmp/p && ${writeBack('/tmp/p/sys/kernel/core_pattern')}'`,
      );
      expect(mounted.code).not.toBe(0);
      expect(mounted.output).toMatch(/Permission denied|Read-only file system/);
      const sysctl = await attacker.terminal.run(
        'sudo sysctl -w kernel.core_pattern="$(cat /proc/sys/kernel/core_pattern)"',
      );
      expect(sysctl.code).not.toBe(0);
    });

    it('from a --privileged inner container', async () => {
      const attacker = await hostile.attacker();
      const inner = await attacker.terminal.run(
        `docker run --rm --privileged busybox sh -c 'mkdir /p && mount -t proc proc /p && ${writeBack('/p/sys/kernel/core_pattern')}'`,
        90_000,
      );
      expect(inner.code, inner.output).not.toBe(0);
      expect(inner.output).toMatch(/Permission denied|Read-only file system/);
    });

    it.runIf(existsSync('/sys/kernel/uevent_helper'))('through /sys (uevent_helper)', async () => {
      const attacker = await hostile.attacker();
      const uevent = await attacker.terminal.run(`sudo sh -c '${writeBack('/sys/kernel/uevent_helper')}'`);
      expect(uevent.code).not.toBe(0);
      expect(uevent.output).toMatch(/Permission denied|Read-only file system/);
    });
  });

  it.runIf(process.arch === 'x64')(
    'probes the kernel with syscall(): io_uring, AF_VSOCK, bpf and the keyrings answer EPERM; runc’s keyring call works',
    async () => {
      const attacker = await hostile.attacker();
      // x86_64 numbers: io_uring_setup/enter/register 425–427, bpf 321, add_key 248, request_key 249,
      // socket 41 (AF_VSOCK is 40), keyctl 250 (JOIN_SESSION_KEYRING is 1).
      const probe =
        'my @r; for my $c ([425,8,0],[426,0,0,0,0,0,0],[427,0,0,0,0],[321,0,0,0],[248,0,0,0,0,0],[249,0,0,0,0],[41,40,1,0]) ' +
        '{ my ($n,@a)=@$c; my $r=syscall($n,@a); push @r, "$n:".($r<0?$!+0:"ok") } print join(" ",@r),"\\n"';
      for (const who of ['', 'sudo ']) {
        const { output } = await attacker.terminal.run(`${who}perl -e '${probe}'`);
        expect(output, who || 'the reader').toContain('425:1 426:1 427:1 321:1 248:1 249:1 41:1');
      }
      const joined = await attacker.terminal.run(
        `sudo perl -e 'my $r=syscall(250,1,0); print $r>0?"joined\\n":"errno ".($!+0)."\\n"'`,
      );
      expect(joined.output).toContain('joined');
    },
  );

  it.runIf(process.arch === 'x64')(
    'holds every inotify instance it can: it gets its own share, and the bystander and the host keep theirs',
    async () => {
      const attacker = await hostile.attacker();
      // inotify_init1 is 294 on x86_64. The kernel counts a user namespace's instances against its
      // owner too: when every sandbox's namespace was the host root's, this took the host's.
      attacker.terminal.begin(
        `perl -e 'my @f; for (1..1000) { my $r = syscall(294, 0); last if $r < 0; push @f, $r } print "held ", scalar(@f), "\\n"; sleep 60'`,
      );
      await attacker.terminal.waitFor(() => /held \d+/.test(attacker.terminal.output), 'the instances held');
      const held = Number(/held (\d+)/.exec(attacker.terminal.output)?.[1]);
      expect(held).toBeGreaterThan(0);
      expect(held).toBeLessThanOrEqual(
        Number(readFileSync('/proc/sys/fs/inotify/max_user_instances', 'utf8')),
      );
      const probe = `perl -e 'print syscall(294, 0) >= 0 ? "inotify ok\\n" : "inotify refused\\n"'`;
      expect((await hostile.bystander.terminal.run(probe)).output).toContain('inotify ok');
      const watcher = watch(tmpdir());
      watcher.close();
    },
  );

  it.runIf(process.arch === 'x64')(
    'holds every key its root may: the quota is its own, and the bystander’s runc still gets a keyring',
    async () => {
      const attacker = await hostile.attacker();
      // Each process joins a new session keyring of its own and keeps it (keyctl 250,
      // JOIN_SESSION_KEYRING 1), until the kernel's per-uid quota answers EDQUOT (122). When every
      // sandbox's root was host uid 100000, this was the quota of all of them.
      const hoard =
        'my $ok = 0; my $end = "none"; for my $i (1..400) { pipe(my $r, my $w); my $pid = fork(); ' +
        'if (!$pid) { close $r; my $k = syscall(250, 1, "hoard-$i"); print $w ($k > 0 ? "ok" : "e".($!+0)), "\\n"; close $w; sleep 120; exit 0 } ' +
        'close $w; my $line = <$r>; close $r; chomp $line; if ($line eq "ok") { $ok++ } else { $end = $line; last } } ' +
        'print "joined $ok then $end\\n"';
      const { output } = await attacker.terminal.run(`sudo perl -e '${hoard}'`, 60_000);
      const [, joined, end] = /joined (\d+) then (\S+)/.exec(output) ?? [];
      expect(end, output).toBe('e122');
      expect(Number(joined)).toBeGreaterThan(0);
      const join = `sudo perl -e 'my $name = "bystander"; my $k = syscall(250, 1, $name); print $k > 0 ? "joined\\n" : "errno ".($!+0)."\\n"'`;
      expect((await hostile.bystander.terminal.run(join)).output).toContain('joined');
      expect(
        (await hostile.bystander.terminal.run('docker run --rm busybox true && echo ran')).output,
      ).toContain('ran');
    },
  );
});

/** A device number's major and minor, as Linux packs them into st_dev. */
function deviceNumbers(dev: number): { major: number; minor: number } {
  return { major: (dev >> 8) & 0xfff, minor: (dev & 0xff) | ((dev >> 12) & 0xfff00) };
}
