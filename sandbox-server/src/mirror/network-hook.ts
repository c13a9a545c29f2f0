import type Docker from 'dockerode';
import type { NetworkHook } from '../sandboxes/docker/index.ts';
import { connectMirror, disconnectMirror } from './mirror.ts';

/**
 * The registry mirror on every sandbox's network, so the reader's dockerd reaches it by name from
 * its first pull. Handed to the driver by the wiring: the driver does not know what a mirror is.
 */
export function mirrorHook(docker: Docker): NetworkHook {
  return {
    attach: (network) => connectMirror(docker, network),
    detach: (network) => disconnectMirror(docker, network),
  };
}
