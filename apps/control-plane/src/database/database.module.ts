import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../config/app-config.js';
import { dataSourceOptions, openDataSource } from './data-source.factory.js';
import { EmbeddedDatabaseBusyError } from './embedded-database-lock.js';
import { entities } from './entities.js';

@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          // Another process owning the embedded database will not let go within a retry: fail at once.
          useFactory: () => ({ ...dataSourceOptions(config), toRetry: (error: unknown) => !(error instanceof EmbeddedDatabaseBusyError) }),
          dataSourceFactory: () => openDataSource(config, { migrate: config.MIGRATIONS_RUN_AT_BOOT }),
        }),
        TypeOrmModule.forFeature(entities),
      ],
      exports: [TypeOrmModule],
    };
  }
}
