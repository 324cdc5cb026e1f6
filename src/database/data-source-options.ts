import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { DatabaseConfig } from '../config/config';
import { MIGRATIONS } from './migrations';

/**
 * MySQL and MariaDB differ in how they report column defaults, and TypeORM reads them right only
 * when told which one it talks to: ask the server once at start.
 */
export async function detectMysqlFlavor(url: string): Promise<'mysql' | 'mariadb'> {
  const { createConnection } = await import('mysql2/promise');
  const conn = await createConnection(url);
  try {
    const [rows] = await conn.query('SELECT VERSION() AS v');
    return /mariadb/i.test(String((rows as { v: string }[])[0].v)) ? 'mariadb' : 'mysql';
  } finally {
    await conn.end();
  }
}

/**
 * The one description of the data source, used by the app and ormconfig.ts. It names no entity:
 * each module registers its own (`TypeOrmModule.forFeature`) and the app loads them
 * (`autoLoadEntities`); migrations, which the CLI runs, need none.
 */
export function dataSourceOptions(db: DatabaseConfig, flavor: 'mysql' | 'mariadb' = db.kind === 'mysql' ? db.flavor : 'mysql'): DataSourceOptions {
  const common = {
    migrations: MIGRATIONS,
    migrationsRun: false, // DatabaseModule runs them explicitly at start, inside its own lock handling
    synchronize: false,
    logging: false,
  } as const;
  if (db.kind === 'sqlite') {
    if (db.path !== ':memory:') fs.mkdirSync(path.dirname(db.path), { recursive: true });
    return {
      ...common,
      type: 'better-sqlite3',
      database: db.path,
      enableWAL: db.path !== ':memory:',
      prepareDatabase: (conn: { pragma(sql: string): unknown }) => {
        conn.pragma('busy_timeout = 5000');
        conn.pragma('foreign_keys = ON');
      },
    };
  }
  return {
    ...common,
    type: flavor,
    url: db.url,
    timezone: 'Z',
    charset: 'utf8mb4_bin',
    supportBigNumbers: true,
    bigNumberStrings: true,
    poolSize: db.poolSize,
    // trace: false spares mysql2 capturing a stack trace for every query (4 % of the service's CPU
    // under load, test/bench/README.md); TypeORM's QueryFailedError still names the query.
    extra: { enableKeepAlive: true, trace: false },
  };
}
