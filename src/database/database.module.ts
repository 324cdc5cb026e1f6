import { releaseNamedLock, takeNamedLock } from './named-locks';
import { DynamicModule, Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/config';
import { dataSourceOptions, detectMysqlFlavor } from './data-source-options';
import { Db } from './db.service';
import { OutboxEventEntity, outboxSeqForDriver } from './outbox.entity';
import { Outbox } from './outbox.service';

const MIGRATION_LOCK = 'einvoice_migrations';

/** Runs pending migrations; on MySQL under an advisory lock so concurrent starts take turns. */
export async function migrate(dataSource: DataSource): Promise<void> {
  const logger = new Logger('Migrations');
  if (dataSource.options.type !== 'mysql' && dataSource.options.type !== 'mariadb') {
    const ran = await dataSource.runMigrations({ transaction: 'each' });
    if (ran.length) logger.log(`applied ${ran.map((m) => m.name).join(', ')}`);
    return;
  }
  const runner = dataSource.createQueryRunner();
  try {
    if (!(await takeNamedLock(runner, MIGRATION_LOCK, 120))) throw new Error('could not take the migration lock within 120 s');
    try {
      const ran = await dataSource.runMigrations({ transaction: 'each' });
      if (ran.length) logger.log(`applied ${ran.map((m) => m.name).join(', ')}`);
    } finally {
      await releaseNamedLock(runner, MIGRATION_LOCK);
    }
  } finally {
    await runner.release();
  }
}

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: async () => ({
            ...dataSourceOptions(config.database, config.database.kind === 'mysql' ? await detectMysqlFlavor(config.database.url) : undefined),
            autoLoadEntities: true, // every module registers its own entities with TypeOrmModule.forFeature
            // A server that is still starting (docker compose) is worth waiting for; a bad schema or
            // a missing file is not.
            retryAttempts: config.database.kind === 'mysql' ? 10 : 0,
            retryDelay: 3000,
            toRetry: (error: { code?: string }) => ['ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'PROTOCOL_CONNECTION_LOST'].includes(error?.code ?? ''),
          }),
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options!).initialize();
            outboxSeqForDriver(dataSource);
            await migrate(dataSource);
            return dataSource;
          },
        }),
        TypeOrmModule.forFeature([OutboxEventEntity]), // the kernel's own table: the transactional outbox
      ],
      providers: [Db, Outbox],
      exports: [Db, Outbox],
    };
  }
}
