import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatBytes, loadConfig, parseBytes } from './index.ts';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      preview: { port: 8081, origin: undefined },
      lifetimeSeconds: 3600,
      idleTimeoutSeconds: 900,
      maxSandboxes: 20,
      poolSize: 2,
      sessionsPerClient: 3,
      sessionsPerMinute: 10,
      trustedProxies: [],
      firewall: true,
      egress: { policy: 'mirrors', mirrors: ['deb.debian.org'] },
      allowedOrigins: [],
      instance: 'default',
      sandbox: {
        image: 'berth/sandbox:latest',
        runtime: 'runc',
        runtimeFlags: {},
        memoryBytes: 1024 ** 3,
        cpus: 1,
        pids: 512,
        diskBytes: 10 * 1024 ** 3,
        logSizeBytes: 10 * 1024 ** 2,
        subnets: '10.89.0.0/16',
      },
    });
  });

  it('reads every variable, treating an empty one as unset', () => {
    const config = loadConfig({
      HOST: '0.0.0.0',
      PORT: '9000',
      BERTH_LIFETIME_SECONDS: '120',
      BERTH_IDLE_TIMEOUT_SECONDS: '60',
      BERTH_SANDBOX_MEMORY: '512m',
      BERTH_SANDBOX_CPUS: '0.5',
      BERTH_SANDBOX_PIDS: '256',
      BERTH_SANDBOX_LOG_SIZE: '1m',
      BERTH_MAX_SANDBOXES: '4',
      BERTH_SESSIONS_PER_CLIENT: '1',
      BERTH_POOL_SIZE: '0',
      BERTH_SESSIONS_PER_MINUTE: '30',
      BERTH_TRUSTED_PROXIES: '10.0.0.1, 172.16.0.0/12',
      BERTH_ALLOWED_ORIGINS: 'https://docs.example.com, http://localhost:4321/',
      BERTH_SANDBOX_IMAGE: 'registry.example/berth:1',
      BERTH_RUNTIME: 'sysbox-runc',
      BERTH_INSTANCE: 'staging',
      LOG_LEVEL: '',
    });
    expect(config.port).toBe(9000);
    expect(config.poolSize).toBe(0);
    expect(config.sessionsPerMinute).toBe(30);
    expect(config.trustedProxies).toEqual(['10.0.0.1', '172.16.0.0/12']);
    expect(config.preview.port).toBe(9001);
    expect(
      loadConfig({ BERTH_PREVIEW_PORT: '7000', BERTH_PREVIEW_ORIGIN: 'https://docs.example.com:8443/' })
        .preview,
    ).toEqual({ port: 7000, origin: 'https://docs.example.com:8443' });
    expect(loadConfig({ PORT: '0' }).preview.port).toBe(0);
    expect(() => loadConfig({ PORT: '65535' })).toThrow(/BERTH_PREVIEW_PORT: PORT is 65535/);
    expect(config.sandbox).toMatchObject({ memoryBytes: 512 * 1024 ** 2, cpus: 0.5, runtime: 'sysbox-runc' });
    expect(config.allowedOrigins).toEqual(['https://docs.example.com', 'http://localhost:4321']);
    expect(config.logLevel).toBe('info');
  });

  it('takes the public URL behind a proxy: its origin may act on sessions unless others are named', () => {
    const proxied = loadConfig({ BERTH_PUBLIC_URL: 'https://docs.example.com/' });
    expect(proxied.publicUrl?.protocol).toBe('https:');
    expect(proxied.allowedOrigins).toEqual(['https://docs.example.com']);
    const named = loadConfig({
      BERTH_PUBLIC_URL: 'https://docs.example.com',
      BERTH_ALLOWED_ORIGINS: 'https://learn.example.com',
    });
    expect(named.allowedOrigins).toEqual(['https://learn.example.com']);
    expect(loadConfig({}).publicUrl).toBeUndefined();
    expect(() => loadConfig({ BERTH_PUBLIC_URL: 'docs.example.com' })).toThrow(
      /BERTH_PUBLIC_URL: a URL like/,
    );
  });

  it('takes a base path with a slash at each end', () => {
    expect(loadConfig({}).basePath).toBe('/');
    expect(loadConfig({ BERTH_BASE_PATH: '/docs/' }).basePath).toBe('/docs/');
    expect(() => loadConfig({ BERTH_BASE_PATH: '/docs' })).toThrow(/BERTH_BASE_PATH: a path like/);
  });

  it('names every invalid variable in one error', () => {
    const load = () =>
      loadConfig({
        PORT: '99999',
        BERTH_SANDBOX_MEMORY: 'lots',
        BERTH_ALLOWED_ORIGINS: 'not a url',
        BERTH_RUNTIME: 'a b',
        BERTH_SANDBOX_SUBNETS: '10.89.0.0/8',
        BERTH_PREVIEW_ORIGIN: 'javascript:alert(1)',
        BERTH_POOL_SIZE: '-1',
        BERTH_TRUSTED_PROXIES: '10.0.0.1, proxy.local',
      });
    expect(load).toThrow(ConfigError);
    try {
      load();
    } catch (error) {
      for (const name of [
        'PORT',
        'BERTH_SANDBOX_MEMORY',
        'BERTH_ALLOWED_ORIGINS',
        'BERTH_RUNTIME',
        'BERTH_SANDBOX_SUBNETS',
        'BERTH_PREVIEW_ORIGIN',
        'BERTH_POOL_SIZE',
        'BERTH_TRUSTED_PROXIES',
      ]) {
        expect((error as Error).message).toContain(name);
      }
    }
  });

  it('takes runtime flags for the sandbox container, and refuses any that would hand it the host', () => {
    const sysbox = loadConfig({
      BERTH_RUNTIME: 'sysbox-runc',
      BERTH_RUNTIME_FLAGS: '{"CapAdd":[],"SecurityOpt":[]}',
    });
    expect(sysbox.sandbox).toMatchObject({
      runtime: 'sysbox-runc',
      runtimeFlags: { CapAdd: [], SecurityOpt: [] },
    });
    const refused = {
      '{"Privileged":true}': /Privileged would make sandboxes privileged/,
      '{"NetworkMode":"host"}': /NetworkMode would take sandboxes off their own networks \(host networking/,
      '{"Binds":["/var/run/docker.sock:/var/run/docker.sock"]}':
        /Binds would mount host paths \(the Docker socket/,
      '{"Mounts":[{"Type":"bind","Source":"/var/run/docker.sock","Target":"/s"}]}':
        /Mounts would mount host paths/,
      '{"PidMode":"host"}': /PidMode/,
      '{"IpcMode":"host"}': /IpcMode "host" would share/,
      '{"CapAdd":["ALL"]}': /CapAdd ALL is the host's/,
      '{"CapAdd":["SYS_MODULE"]}': /CapAdd SYS_MODULE/,
      '{"SecurityOpt":["seccomp=unconfined"]}': /lift the filter/,
      '{"Devices":[{"PathOnHost":"/dev/vda"}]}': /host's devices/,
      '{"Memory":1}': /Memory is not a field Berth passes on/,
      '[]': /a JSON object/,
      'not json': /a JSON object/,
    };
    for (const [flags, reason] of Object.entries(refused)) {
      expect(() => loadConfig({ BERTH_RUNTIME_FLAGS: flags })).toThrow(reason);
    }
  });

  it('parses sizes the way Docker writes them', () => {
    expect(parseBytes('1g')).toBe(1024 ** 3);
    expect(parseBytes('512M')).toBe(512 * 1024 ** 2);
    expect(parseBytes('1.5g')).toBe(1.5 * 1024 ** 3);
    expect(parseBytes('64k')).toBe(64 * 1024);
    expect(parseBytes('100')).toBe(100);
    expect(() => parseBytes('-1g')).toThrow();
    expect(() => parseBytes('1t')).toThrow();
  });

  it('writes sizes back for a reader', () => {
    expect(formatBytes(parseBytes('10g'))).toBe('10 GiB');
    expect(formatBytes(parseBytes('512m'))).toBe('512 MiB');
    expect(formatBytes(parseBytes('1.5g'))).toBe('1.5 GiB');
    expect(formatBytes(100)).toBe('100 bytes');
  });

  it('imports nothing of the server above it, but the image names', () => {
    const dir = new URL('./', import.meta.url);
    const imports = readdirSync(dir)
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) => [
        ...readFileSync(new URL(file, dir), 'utf8').matchAll(/^import .* from '([^']+)'/gm),
      ])
      .map((match) => match[1] ?? '')
      .filter((from) => from.startsWith('../'));
    expect(new Set(imports)).toEqual(new Set(['../images/names.ts']));
  });
});
