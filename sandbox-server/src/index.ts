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
  if (error instanceof ConfigError) {
    console.error(`berth: ${error.message}`);
    process.exit(2);
  }
  if (error instanceof FirewallError) {
    console.error(
      `berth: ${error.message}\nThe server installs host firewall rules (iptables) that keep sandboxes off the host and private networks: run it as root, or set BERTH_FIREWALL=off to serve without them (see SECURITY.md).`,
    );
    process.exit(2);
  }
  throw error;
}
