import Docker from 'dockerode';
import { ConfigError, loadConfig } from './config/index.ts';
import { prepareImages } from './preparation/images.ts';
import { handleProcessErrors } from './process-errors.ts';
import { FirewallError } from './sandboxes/firewall.ts';
import { HostKernelError } from './sandboxes/host-kernel.ts';
import { type RunningServer, serverLog, startServer } from './server.ts';

try {
  const config = loadConfig(process.env);
  const log = serverLog(config);
  let server: RunningServer | undefined;
  handleProcessErrors(process, log, {
    shutdown: async () => server?.shutdown(),
    exit: (code) => process.exit(code),
  });
  // `--prepare` (Berth's own image): listen at once, build the images and the mirror behind.
  const prepare = process.argv.includes('--prepare') ? prepareImages(new Docker(), config, log) : undefined;
  server = await startServer(config, log, { prepare });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void server?.shutdown().finally(() => process.exit(0));
    });
  }
} catch (error) {
  // Both say what to change; a stack trace would only bury that.
  if (error instanceof ConfigError || error instanceof FirewallError || error instanceof HostKernelError) {
    console.error(`berth: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
