/**
 * Where sandboxes may go beyond the forbidden ranges (BERTH_EGRESS; sandboxes/firewall.ts enforces
 * it): `open` anywhere; `mirrors` only Debian's package mirror (http and https; the registry mirror
 * sits on each sandbox's own network, so every policy has it); `none` nowhere, not even DNS.
 */
export const EGRESS_POLICIES = ['open', 'mirrors', 'none'] as const;
export type EgressPolicy = (typeof EGRESS_POLICIES)[number];
