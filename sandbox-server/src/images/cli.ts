// `npm run images -w sandbox-server`: builds whatever image is missing or out of date.
import Docker from 'dockerode';
import { ensureAllImages } from './all-images.ts';

const docker = new Docker();
try {
  const results = await ensureAllImages({ docker, log: (line) => process.stderr.write(`  ${line}\n`) });
  for (const result of results) {
    const how = result.built ? `built in ${result.seconds.toFixed(1)} s (${result.via})` : 'cached';
    console.log(`${result.ref}: ${how}`);
  }
} catch (err) {
  console.error(`images: ${(err as Error).message}`);
  process.exitCode = 1;
}
