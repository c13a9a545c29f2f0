/**
 * How far a reader's host numbers go (node1 to node9): one digit, as the hosts' addresses and
 * the sandbox image's network set-up take them (sandboxes/hosts.ts).
 */
export const MAX_HOSTS_PER_READER = 9;
