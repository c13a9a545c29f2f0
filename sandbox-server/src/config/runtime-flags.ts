/**
 * BERTH_RUNTIME_FLAGS: Docker HostConfig fields an operator sets for the sandbox container, over
 * Berth's own (e.g. `{"CapAdd":[],"SecurityOpt":[]}` under Sysbox, which needs neither). Only the
 * fields a runtime needs are taken, and none that would hand a sandbox the host.
 */

/** Fields taken as they are: confinement and resources, nothing that reaches outside the sandbox. */
const TAKEN = new Set([
  'CapAdd',
  'CapDrop',
  'SecurityOpt',
  'Sysctls',
  'Ulimits',
  'ShmSize',
  'Init',
  'OomScoreAdj',
  'BlkioWeight',
  'CpusetCpus',
  'CpuPeriod',
  'CpuQuota',
  'StorageOpt',
  'MaskedPaths',
  'ReadonlyPaths',
  'CgroupnsMode',
  'IpcMode',
]);

/** Fields that decide what of the host a sandbox sees, and why Berth will not pass them on. */
const REFUSED: Record<string, string> = {
  Privileged: 'would make sandboxes privileged: every device and capability of the host',
  NetworkMode:
    "would take sandboxes off their own networks (host networking among them); each sandbox's network is Berth's",
  PidMode: "could show sandboxes the host's processes",
  UTSMode: "could give sandboxes the host's host name",
  UsernsMode: "could put sandboxes in the host's user namespace",
  Binds: 'would mount host paths (the Docker socket among them) into sandboxes',
  Mounts: 'would mount host paths (the Docker socket among them) into sandboxes',
  VolumesFrom: "would mount other containers' volumes into sandboxes",
  Devices: "would give sandboxes the host's devices",
  DeviceCgroupRules: "would give sandboxes the host's devices",
  Runtime: 'is BERTH_RUNTIME',
};

/** Namespaces a sandbox must not share with the host, whatever the field's other values. */
const NOT_HOST = new Set(['CgroupnsMode', 'IpcMode']);

/** Capabilities that are the host's to hold: with them a container is no boundary. */
const HOST_CAPABILITIES =
  /^(CAP_)?(ALL|SYS_MODULE|SYS_RAWIO|SYS_BOOT|SYS_TIME|MAC_ADMIN|MAC_OVERRIDE|BPF|PERFMON|SYSLOG)$/i;

/** Each reason the flags would weaken a sandbox past what Berth allows; none when they are fine. */
export function runtimeFlagRefusals(flags: Record<string, unknown>): string[] {
  const refusals: string[] = [];
  for (const [field, value] of Object.entries(flags)) {
    const refused = REFUSED[field];
    if (refused) refusals.push(`${field} ${refused}`);
    else if (!TAKEN.has(field))
      refusals.push(`${field} is not a field Berth passes on (it takes ${[...TAKEN].join(', ')})`);
    else if (NOT_HOST.has(field) && value === 'host')
      refusals.push(`${field} "host" would share the host's namespace`);
  }
  for (const capability of asStrings(flags.CapAdd)) {
    if (HOST_CAPABILITIES.test(capability))
      refusals.push(`CapAdd ${capability} is the host's to hold, not a sandbox's`);
  }
  for (const option of asStrings(flags.SecurityOpt)) {
    if (/^(seccomp|apparmor)[=:]unconfined$/i.test(option)) {
      refusals.push(`SecurityOpt ${option} would lift the filter every sandbox runs under`);
    }
  }
  return refusals;
}

function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}
