import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { BASE_IMAGE, ensureBaseImage } from './base.ts';
import { type EnsureImageResult, ensureImage, type ImageLog } from './build.ts';

/** Debian's dnsmasq: the DNS forwarder of sandboxes under `mirrors` (see sandboxes/dns-forwarder.ts). */
export const DNS_IMAGE = 'berth/dns:latest';
const DNS_CONTEXT = fileURLToPath(new URL('./dns/', import.meta.url));

export async function ensureDnsImage(options: { docker: Docker; log: ImageLog }): Promise<EnsureImageResult> {
  await ensureBaseImage(options);
  return ensureImage({ ...options, contextDir: DNS_CONTEXT, tag: DNS_IMAGE, dependsOn: [BASE_IMAGE] });
}
