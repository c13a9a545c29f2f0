import { ConfigError, loadConfig } from './config/index.ts';
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
  throw error;
}
