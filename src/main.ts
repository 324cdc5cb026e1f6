import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config/config';

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
  const app = await createApp(config);
  await app.listen(config.port);
  const where = config.database.kind === 'sqlite' ? `SQLite ${config.database.path}` : 'MySQL';
  new Logger('Main').log(`listening on port ${config.port} (${where}); API docs at /docs`);
}

main().catch((error) => {
  console.error(`einvoice: failed to start: ${error?.stack ?? error}`);
  process.exit(1);
});
