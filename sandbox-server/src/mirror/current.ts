import type Docker from 'dockerode';
import type { Config } from '../config/index.ts';
import { ensureCatalog } from '../images/index.ts';
import { ensureMirror, hubAnswers, type MirrorMode } from './seed.ts';

/**
 * Makes the mirror what the configuration asks for: the catalog and the team's own images
 * offline, a pull-through cache of Docker Hub online; builds what those need first.
 */
export async function makeMirrorCurrent(options: {
  docker: Docker;
  config: Pick<Config, 'mirrorMode' | 'mirrorCacheBytes' | 'catalogDirs'>;
  log: (line: string) => void;
}): Promise<string> {
  const { docker, config, log } = options;
  if (config.mirrorMode === 'off') return 'mirror: off (BERTH_MIRROR_MODE=off)';
  const mode: MirrorMode =
    config.mirrorMode === 'auto' ? ((await hubAnswers()) ? 'online' : 'offline') : config.mirrorMode;
  const catalog =
    mode === 'offline'
      ? await ensureCatalog({ docker, log, teamDirs: config.catalogDirs })
      : { images: [], hash: '' };
  if (mode === 'online' && config.catalogDirs.length > 0) {
    // A pull-through cache takes no pushes: a team's images need a registry of their own there.
    log(`mirror: online, so the team images of ${config.catalogDirs.join(', ')} are not served`);
  }
  const result = await ensureMirror({ docker, mode, catalog, cacheBytes: config.mirrorCacheBytes, log });
  const how = result.changed ? `set up in ${result.seconds.toFixed(1)} s` : 'current';
  return `mirror (${mode}${config.mirrorMode === 'auto' ? ', detected' : ''}): ${how}`;
}
