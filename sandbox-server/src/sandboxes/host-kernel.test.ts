import { describe, expect, it } from 'vitest';
import { checkHostKernel, HostKernelError } from './host-kernel.ts';

const reads = (value: string | Error) => async () => {
  if (value instanceof Error) throw value;
  return `${value}\n`;
};

describe("the host kernel's settings", () => {
  it('refuse to start under runc with unprivileged BPF on, naming the sysctl to set', async () => {
    await expect(checkHostKernel('runc', reads('0'))).rejects.toThrow(HostKernelError);
    await expect(checkHostKernel('runc', reads('0'))).rejects.toThrow(/kernel\.unprivileged_bpf_disabled=2/);
  });

  it('pass with it off, without BPF at all, or under a runtime with a kernel of its own', async () => {
    await checkHostKernel('runc', reads('1'));
    await checkHostKernel('runc', reads('2'));
    await checkHostKernel('runc', reads(new Error('ENOENT')));
    await checkHostKernel('kata-runtime', reads('0'));
  });
});
