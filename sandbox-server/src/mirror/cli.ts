// `npm run mirror -w sandbox-server`: makes the registry mirror current (after `npm run images`).
import Docker from 'dockerode';
import { ConfigError, loadConfig } from '../config/index.ts';
import { makeMirrorCurrent } from './current.ts';

try {
  const config = loadConfig(process.env);
  const log = (line: string) => process.stderr.write(`  ${line}\n`);
  console.log(await makeMirrorCurrent({ docker: new Docker(), config, log }));
} catch (error) {
  console.error(
    error instanceof ConfigError ? `berth: ${error.message}` : `mirror: ${(error as Error).message}`,
  );
  process.exitCode = 1;
}
