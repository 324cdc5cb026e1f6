/**
 * The data source the TypeORM CLI uses (npm run migration:run / migration:revert / migration:create).
 * It reads DATABASE_URL exactly as the service does. For MariaDB, a mariadb:// URL tells TypeORM
 * the flavour (the service itself detects it).
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/config';
import { dataSourceOptions } from './src/database/data-source-options';

export default new DataSource(dataSourceOptions(loadConfig().database));
