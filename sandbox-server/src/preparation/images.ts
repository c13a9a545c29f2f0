import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import { ensureAllImages, IMAGE_STEPS } from '../images/all-images.ts';
import { makeMirrorCurrent } from '../mirror/current.ts';
import type { PreparationWork } from './preparation.ts';

const MIRROR_STEP = 'the registry mirror';

/**
 * What `npm run images` and `npm run mirror` do before `npm start`, done by a server that is
 * already listening (Berth's own image): every image built or found current, then the mirror.
 */
export function prepareImages(docker: Docker, config: Config, log: Logger): PreparationWork {
  // A build's own output is for whoever debugs it; each step's end is the news.
  const buildLog = (line: string) => log.debug({ event: 'image_output' }, line);
  return {
    labels: [...Object.values(IMAGE_STEPS), MIRROR_STEP],
    async run(step) {
      await ensureAllImages({ docker, log: buildLog, track: step });
      const mirror = await step(MIRROR_STEP, () => makeMirrorCurrent({ docker, config, log: buildLog }));
      log.info({ event: 'mirror' }, mirror);
    },
  };
}
