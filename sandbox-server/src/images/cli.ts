// `npm run images -w sandbox-server`: builds whatever image is missing or out of date.
import Docker from 'dockerode';
import { ensureAllImages } from './all-images.ts';

const docker = new Docker();
try {
  const results = await ensureAllImages({ docker, log: (line) => process.stderr.write(`  ${line}\n`) });
  // One line per image built, and the rest counted: what changed is what a reader wants to see.
  for (const result of results.filter((r) => r.built)) {
    console.log(`${result.ref} built in ${result.seconds.toFixed(1)} s (${result.via})`);
  }
  const cached = results.filter((r) => !r.built).length;
  if (cached > 0) console.log(`${cached} image${cached === 1 ? '' : 's'} already built`);
} catch (err) {
  console.error(`images: ${(err as Error).message}`);
  process.exitCode = 1;
}
