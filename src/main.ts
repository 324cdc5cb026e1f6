import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { createApp } from './app';
import { isDatabaseUnavailable } from './common/unavailable';
import { ConfigError, loadConfig } from './config/config';
import { startWithRetry } from './startup';

async function main(): Promise<void> {
  // A .env file beside package.json (see .env.example) fills what the environment does not set.
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`einvoice: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const logger = new Logger('Main');
  const database = config.database;
  await startWithRetry(
    async () => {
      const app = await createApp(config);
      try {
        await app.listen(config.port);
      } catch (error) {
        await app.close().catch(() => undefined); // a half-started app lets go of its connections
        throw error;
      }
    },
    {
      retryable: (error) => database.kind === 'mysql' && isDatabaseUnavailable(error),
      waitMs: (database.kind === 'mysql' ? database.startupWaitSeconds : 0) * 1000,
      delayMs: 2000,
      onRetry: (error, attempt, left) =>
        logger.warn(
          `the database is unavailable while starting (${(error as Error)?.message ?? error}): trying again in 2 s ` +
            `(attempt ${attempt}; giving up in ${Math.round(left / 1000)} s, DB_STARTUP_WAIT_SECONDS)`,
        ),
    },
  );
  const where = config.database.kind === 'sqlite' ? `SQLite ${config.database.path}` : 'MySQL';
  logger.log(`listening on port ${config.port} (${where}); API docs at /docs`);
}

main().catch((error) => {
  // A configuration problem found while starting (the signing key secret) says what to set; no stack.
  console.error(`einvoice: failed to start: ${error instanceof ConfigError ? error.message : (error?.stack ?? error)}`);
  process.exit(1);
});
