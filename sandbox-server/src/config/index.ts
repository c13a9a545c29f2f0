import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { SANDBOX_IMAGE } from '../images/names.ts';

import { isAddressOrRange } from './address-range.ts';
import { EGRESS_POLICIES } from './egress-policies.ts';
import { MAX_HOSTS_PER_READER } from './host-limit.ts';
import { MAX_POOL_SIZE, parsePoolSchedule } from './pool-schedule.ts';
import { runtimeFlagRefusals } from './runtime-flags.ts';
import { sessionCookie } from './session-cookie.ts';

/** Sizes as Docker writes them: `512m`, `1g`, `10m`, or plain bytes. */
export function parseBytes(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)i?b?$/i.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a size like 512m or 1g`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match[2] ?? '').toLowerCase()] ?? 1;
  return Math.round(Number(match[1]) * unit);
}

/** A size for a reader: `10 GiB`, `512 MiB`, `1.5 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
}

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const size = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        return parseBytes(text);
      } catch (error) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: (error as Error).message });
        return z.NEVER;
      }
    });

/** A comma-separated list, blanks dropped, each entry checked by `entry`. */
const commaList = (entry: z.ZodType<string>, fallback = '') =>
  z
    .string()
    .default(fallback)
    .transform((text) =>
      text
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    )
    .pipe(z.array(entry));

const repositoryDir = fileURLToPath(new URL('../../../', import.meta.url));
const defaultSiteDir = path.join(repositoryDir, 'dist');

/** Every environment variable the server reads, and its default; the README lists the same table. */
const variables = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  BERTH_PREVIEW_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  BERTH_PREVIEW_ORIGIN: z
    .string()
    .regex(/^https?:\/\/[^/]+\/?$/, "an origin like https://docs.example.com:8443, on the site's host name")
    .optional(),
  BERTH_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  BERTH_METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  BERTH_PUBLIC_URL: z
    .string()
    .regex(
      /^https?:\/\/[^/?#]+(\/[^?#]*)?$/,
      'a URL like https://docs.example.com, where readers reach the site',
    )
    .optional(),
  BERTH_BASE_PATH: z
    .string()
    .regex(/^\/([A-Za-z0-9._~-]+\/)*$/, 'a path like /docs/, with a slash at each end')
    .default('/'),
  BERTH_LIFETIME_SECONDS: positiveInt(3600),
  BERTH_IDLE_TIMEOUT_SECONDS: positiveInt(900),
  BERTH_SANDBOX_MEMORY: size('1g'),
  BERTH_SANDBOX_CPUS: z.coerce.number().positive().max(64).default(1),
  BERTH_SANDBOX_PIDS: positiveInt(512),
  BERTH_SANDBOX_DISK: size('10g'),
  BERTH_HOST_DISK: size('2g'),
  BERTH_HOSTS_PER_READER: z.coerce.number().int().min(1).max(MAX_HOSTS_PER_READER).default(5),
  BERTH_SANDBOX_LOG_SIZE: size('10m'),
  BERTH_MAX_SANDBOXES: positiveInt(20),
  BERTH_SESSIONS_PER_CLIENT: positiveInt(3),
  BERTH_POOL_SIZE: z.coerce.number().int().min(0).max(MAX_POOL_SIZE).default(2),
  BERTH_POOL_SCHEDULE: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const windows = parsePoolSchedule(text);
      if (typeof windows !== 'string') return windows;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: windows });
      return z.NEVER;
    }),
  BERTH_STARTS_AT_ONCE: z.coerce.number().int().min(1).max(64).default(3),
  BERTH_ADMIN_TOKEN: z
    .string()
    .min(16, 'at least 16 characters: it guards the admin API (e.g. `openssl rand -hex 24`)')
    .optional(),
  BERTH_SESSIONS_PER_MINUTE: positiveInt(10),
  BERTH_FIREWALL: z.enum(['on', 'off']).default('on'),
  BERTH_EGRESS: z.enum(EGRESS_POLICIES).default('mirrors'),
  BERTH_EGRESS_MIRRORS: commaList(
    z.string().regex(/^[a-z0-9.-]+$/i, 'each mirror must be a host name or an IPv4 address'),
    'deb.debian.org',
  ),
  BERTH_TRUSTED_PROXIES: commaList(
    z.string().refine(isAddressOrRange, 'each trusted proxy must be an IP address or a CIDR range'),
  ),
  BERTH_ALLOWED_HOSTS: commaList(
    z
      .string()
      .regex(
        /^(\*\.)?[a-z0-9.-]+$/i,
        'each allowed host must be a host name like docs.example.com or *.example.com',
      ),
  ),
  BERTH_ALLOWED_ORIGINS: commaList(
    z.string().url('each allowed origin must be a URL like https://docs.example.com'),
  ),
  BERTH_SANDBOX_IMAGE: z.string().min(1).default(SANDBOX_IMAGE),
  BERTH_RUNTIME: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'a runtime name as `docker info` lists it, e.g. runc')
    .default('runc'),
  BERTH_RUNTIME_FLAGS: z
    .string()
    .default('{}')
    .transform((text, ctx) => {
      try {
        const flags: unknown = JSON.parse(text);
        if (typeof flags === 'object' && flags !== null && !Array.isArray(flags)) {
          return flags as Record<string, unknown>;
        }
      } catch {}
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'a JSON object of Docker HostConfig fields, e.g. {"CapAdd":[]}',
      });
      return z.NEVER;
    })
    .superRefine((flags, ctx) => {
      for (const refusal of runtimeFlagRefusals(flags))
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: refusal });
    }),
  BERTH_SANDBOX_SUBNETS: z
    .string()
    .regex(/^(\d{1,3})\.(\d{1,3})\.0\.0\/16$/, 'a /16 like 10.89.0.0/16, split into one /24 per sandbox')
    .default('10.89.0.0/16'),
  BERTH_INSTANCE: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'lower-case letters, digits and dashes')
    .default('default'),
  BERTH_SITE_DIR: z.string().min(1).default(defaultSiteDir),
  BERTH_MIRROR_MODE: z.enum(['auto', 'offline', 'online', 'off']).default('offline'),
  BERTH_MIRROR_CACHE: size('20g'),
  BERTH_CATALOG_DIRS: commaList(z.string()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** The environment variables the server reads, as the schema names them. */
export const SETTING_NAMES = Object.keys(variables.shape);

/** The settings as the server uses them: each named once, from its variables. */
const schema = variables.transform((v, ctx) => {
  const publicUrl = v.BERTH_PUBLIC_URL === undefined ? undefined : new URL(v.BERTH_PUBLIC_URL);
  const allowedOrigins = v.BERTH_ALLOWED_ORIGINS.map((origin) => new URL(origin).origin);
  // Behind a proxy the request's Host may be the proxy's idea; the public URL says the site's.
  if (allowedOrigins.length === 0 && publicUrl) allowedOrigins.push(publicUrl.origin);
  const previewOrigin = v.BERTH_PREVIEW_ORIGIN === undefined ? undefined : new URL(v.BERTH_PREVIEW_ORIGIN);
  const previewPort = v.BERTH_PREVIEW_PORT ?? (v.PORT === 0 ? 0 : v.PORT + 1);
  if (previewPort > 65535) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['BERTH_PREVIEW_PORT'],
      message: 'PORT is 65535, so set a preview port',
    });
    return z.NEVER;
  }
  return {
    host: v.HOST,
    port: v.PORT,
    /**
     * Port previews are served on their own origin, so a reader's app never runs with the site's:
     * its scripts cannot read the API or open terminals (Origin differs), yet the session cookie,
     * which is not bound to a port, still reaches it.
     */
    preview: {
      port: previewPort,
      /** Where browsers reach the preview listener, when a proxy in front changes it; else same host, preview port. */
      origin: previewOrigin?.origin,
    },
    lifetimeSeconds: v.BERTH_LIFETIME_SECONDS,
    idleTimeoutSeconds: v.BERTH_IDLE_TIMEOUT_SECONDS,
    sandbox: {
      image: v.BERTH_SANDBOX_IMAGE,
      runtime: v.BERTH_RUNTIME,
      /** HostConfig fields over Berth's own, for the runtime (see runtime-flags.ts). */
      runtimeFlags: v.BERTH_RUNTIME_FLAGS,
      memoryBytes: v.BERTH_SANDBOX_MEMORY,
      cpus: v.BERTH_SANDBOX_CPUS,
      pids: v.BERTH_SANDBOX_PIDS,
      /** Disk a sandbox may hold (its files and its inner engine's); past it, writes fail with ENOSPC. */
      diskBytes: v.BERTH_SANDBOX_DISK,
      /** The disk of each host a reader adds (node2, …), which counts towards the reader's as the first's does. */
      hostDiskBytes: v.BERTH_HOST_DISK,
      /** Hosts one reader may have, node1 among them; the server's maximum counts hosts. */
      hostsPerReader: v.BERTH_HOSTS_PER_READER,
      logSizeBytes: v.BERTH_SANDBOX_LOG_SIZE,
      /** A /16 that sandbox networks take their /24s from, so they never exhaust Docker's default pools. */
      subnets: v.BERTH_SANDBOX_SUBNETS,
    },
    maxSandboxes: v.BERTH_MAX_SANDBOXES,
    /**
     * The warm pool's base size (0: off, but for a schedule or an admin request); it grows with
     * demand above it. Pooled and taken together never pass maxSandboxes.
     */
    poolSize: v.BERTH_POOL_SIZE,
    /** Rooms known in advance: the pool grows to each window's size, ready by its start (local time). */
    poolSchedule: v.BERTH_POOL_SCHEDULE,
    /**
     * Sandboxes starting at once; the others wait in the admission queue (sessions/admission.ts). A
     * start keeps a core busy, so fifty at once all finish late, while in turns the first readers
     * get a shell early.
     */
    startsAtOnce: v.BERTH_STARTS_AT_ONCE,
    /** The bearer token of /api/admin; without one the admin API is not served at all. */
    adminToken: v.BERTH_ADMIN_TOKEN,
    sessionsPerClient: v.BERTH_SESSIONS_PER_CLIENT,
    /** Sessions one client address may create per minute, live or already ended. */
    sessionsPerMinute: v.BERTH_SESSIONS_PER_MINUTE,
    /** Whether the server installs the host firewall rules that keep sandboxes off forbidden ranges (see sandboxes/firewall.ts). */
    firewall: v.BERTH_FIREWALL === 'on',
    /** Where sandboxes may connect beyond their own network (egress-policies.ts); enforced by the firewall. */
    egress: { policy: v.BERTH_EGRESS, mirrors: v.BERTH_EGRESS_MIRRORS },
    /** Peers whose X-Forwarded-For names the client; everyone else is their own client. */
    trustedProxies: v.BERTH_TRUSTED_PROXIES,
    /** Origins that may act on sessions; empty: the request's own host. */
    allowedOrigins,
    /**
     * Host names the server answers to besides IP addresses and loopback names (see allowed-hosts.ts):
     * BERTH_ALLOWED_HOSTS, and the hosts of the public URL, the preview origin and the allowed origins.
     */
    allowedHosts: [
      ...v.BERTH_ALLOWED_HOSTS.map((host) => host.toLowerCase()),
      ...[publicUrl, previewOrigin, ...allowedOrigins.map((origin) => new URL(origin))].flatMap((url) =>
        url ? [url.hostname.toLowerCase()] : [],
      ),
    ],
    /** The session cookie's name and whether it is Secure (see session-cookie.ts). */
    sessionCookie: sessionCookie(publicUrl, v.BERTH_BASE_PATH),
    /** Where readers reach the site, when a proxy in front of the server changes it (https, a host name). */
    publicUrl,
    /** Where the site and its API are served, `/` or a path like `/docs/`; the site is built for it too. */
    basePath: v.BERTH_BASE_PATH,
    /** Separates the resources of several Berth servers sharing one Docker engine. */
    instance: v.BERTH_INSTANCE,
    siteDir: v.BERTH_SITE_DIR,
    /** offline: the catalog only; online: a pull-through cache of Docker Hub; auto: online when Hub answers. */
    mirrorMode: v.BERTH_MIRROR_MODE,
    mirrorCacheBytes: v.BERTH_MIRROR_CACHE,
    /**
     * Folders of a team's own images the offline mirror serves beside the catalog (images/team-catalog.ts);
     * by default content/catalog/ when there is one. Relative to the checkout, where npm runs from any
     * of its folders.
     */
    catalogDirs:
      v.BERTH_CATALOG_DIRS.length > 0
        ? v.BERTH_CATALOG_DIRS.map((dir) => path.resolve(repositoryDir, dir))
        : [path.join(repositoryDir, 'content', 'catalog')].filter((dir) => existsSync(dir)),
    logLevel: v.LOG_LEVEL,
    /**
     * Where `/metrics` answers: on a listener of its own (`port`, on HOST) when one is given, and
     * on the readers' port only with `Authorization: Bearer <token>` when a token is, or when
     * neither is (the contract's default).
     */
    metrics: {
      port: v.BERTH_METRICS_PORT,
      token: v.BERTH_METRICS_TOKEN,
      onSitePort: v.BERTH_METRICS_TOKEN !== undefined || v.BERTH_METRICS_PORT === undefined,
    },
  };
});

export type Config = z.output<typeof schema>;

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined>): Config {
  // An empty variable means "unset", as in most shells' `VAR= command`.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
