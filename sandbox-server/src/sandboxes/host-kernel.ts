import { readFile } from 'node:fs/promises';

/** A host setting that would let a sandbox reach more of the shared kernel than Berth allows. */
export class HostKernelError extends Error {}

const UNPRIVILEGED_BPF = '/proc/sys/kernel/unprivileged_bpf_disabled';

/**
 * Refuses to serve sandboxes that share the host's kernel (runc) when unprivileged BPF is on:
 * the seccomp filter refuses bpf(2) to sandboxes, but a kernel that lets any user load BPF
 * programs is one bug away from every sandbox's reach. A runtime with a kernel of its own
 * (a microVM) is not this kernel's business.
 */
export async function checkHostKernel(
  runtime: string,
  read: (path: string) => Promise<string> = (path) => readFile(path, 'utf8'),
): Promise<void> {
  if (runtime !== 'runc') return;
  let value: string;
  try {
    value = (await read(UNPRIVILEGED_BPF)).trim();
  } catch {
    return; // a kernel without BPF, or not Linux: nothing to refuse
  }
  if (value === '0') {
    throw new HostKernelError(
      'unprivileged BPF is enabled on this host (kernel.unprivileged_bpf_disabled=0), and sandboxes share its kernel: ' +
        'run `sysctl -w kernel.unprivileged_bpf_disabled=2` (and put it in /etc/sysctl.d/ to keep it), then start Berth again',
    );
  }
}
