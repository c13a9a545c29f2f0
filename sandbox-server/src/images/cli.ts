// `npm run images -w sandbox-server`: builds whatever image is missing or out of date.
import Docker from 'dockerode';
import { ensureSandboxImage } from './sandbox-image.ts';

const docker = new Docker();
try {
  const results = await ensureSandboxImage({ docker, log: (line) => process.stderr.write(`  ${line}\n`) });
  for (const result of results) {
    const how = result.built ? `built in ${result.seconds.toFixed(1)} s (${result.via})` : 'cached';
    console.log(`${result.ref}: ${how}`);
  }
} catch (err) {
  console.error(`images: ${(err as Error).message}`);
  process.exitCode = 1;
}
