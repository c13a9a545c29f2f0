import { ConfigError, loadConfig } from './config/index.ts';
import { FirewallError } from './sandboxes/firewall.ts';
import { startServer } from './server.ts';

try {
  const server = await startServer(loadConfig(process.env));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void server.shutdown().finally(() => process.exit(0));
    });
  }
} catch (error) {
  // Both say what to change; a stack trace would only bury that.
  if (error instanceof ConfigError || error instanceof FirewallError) {
    console.error(`berth: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
