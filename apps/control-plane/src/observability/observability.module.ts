import { Global, Module, RequestMethod, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config.js';
import { HttpMetricsMiddleware } from './http-metrics.middleware.js';
import { loggingParams, type LoggingOptions } from './logging.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsServer } from './metrics-server.js';
import { Metrics } from './metrics.js';

/** Structured logs and Prometheus metrics; global so any feature can inject `Metrics`. */
@Global()
@Module({})
export class ObservabilityModule implements NestModule {
  static forRoot(config: AppConfig, logging: LoggingOptions = {}): DynamicModule {
    return {
      module: ObservabilityModule,
      imports: [LoggerModule.forRoot(loggingParams(config, logging))],
      // With METRICS_PORT, the scrape has its own port and the public one does not serve it.
      controllers: config.METRICS_PORT === undefined ? [MetricsController] : [],
      providers: [Metrics, HttpMetricsMiddleware, ...(config.METRICS_PORT === undefined ? [] : [MetricsServer])],
      exports: [Metrics],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
