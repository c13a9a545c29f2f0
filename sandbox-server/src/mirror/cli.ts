// `npm run mirror -w sandbox-server`: makes the registry mirror current (after `npm run images`).
import Docker from 'dockerode';
import { ConfigError, loadConfig } from '../config/index.ts';
import { ensureCatalog } from '../images/index.ts';
import { ensureMirror, hubAnswers, type MirrorMode } from './seed.ts';

try {
  const config = loadConfig(process.env);
  if (config.mirrorMode === 'off') {
    console.log('mirror: off (BERTH_MIRROR_MODE=off)');
  } else {
    const docker = new Docker();
    const mode: MirrorMode =
      config.mirrorMode === 'auto' ? ((await hubAnswers()) ? 'online' : 'offline') : config.mirrorMode;
    const log = (line: string) => process.stderr.write(`  ${line}\n`);
    const catalog = mode === 'offline' ? await ensureCatalog({ docker, log }) : { images: [], hash: '' };
    const result = await ensureMirror({ docker, mode, catalog, cacheBytes: config.mirrorCacheBytes, log });
    const how = result.changed ? `set up in ${result.seconds.toFixed(1)} s` : 'current';
    console.log(`mirror (${mode}${config.mirrorMode === 'auto' ? ', detected' : ''}): ${how}`);
  }
} catch (error) {
  console.error(
    error instanceof ConfigError ? `berth: ${error.message}` : `mirror: ${(error as Error).message}`,
  );
  process.exitCode = 1;
}
