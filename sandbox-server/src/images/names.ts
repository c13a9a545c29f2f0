// The tags of the sandbox and registry images, in a module with no imports: the config, which
// imports nothing else of the server's, takes the sandbox image from here for its default.

/** The reader's sandbox (sandbox/): BERTH_SANDBOX_IMAGE unless set. */
export const SANDBOX_IMAGE = 'berth/sandbox:latest';

/**
 * Debian's docker-registry (distribution 2.8), listening on :5000 as user docker-registry, data in
 * the volume /var/lib/registry: the registry mirror. Read-write by default (for seeding); by
 * environment: REGISTRY_STORAGE_MAINTENANCE_READONLY='{"enabled":true}' serves read-only,
 * REGISTRY_PROXY_REMOTEURL=https://registry-1.docker.io makes it a pull-through cache.
 */
export const REGISTRY_IMAGE = 'berth/registry:latest';
