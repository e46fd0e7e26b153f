import { Global, Module, RequestMethod, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config.js';
import { RunningHandlers } from './graceful-shutdown.js';
import { HttpMetricsMiddleware } from './http-metrics.middleware.js';
import { loggingParams, type LoggingOptions } from './logging.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsServer } from './metrics-server.js';
import { Metrics } from './metrics.js';

/** Structured logs, Prometheus metrics and the count of running handlers; global so any feature can inject `Metrics`. */
@Global()
@Module({})
export class ObservabilityModule implements NestModule {
  static forRoot(config: AppConfig, logging: LoggingOptions = {}): DynamicModule {
    return {
      module: ObservabilityModule,
      imports: [LoggerModule.forRoot(loggingParams(config, logging))],
      // With METRICS_PORT, the scrape has its own port and the public one does not serve it.
      controllers: config.METRICS_PORT === undefined ? [MetricsController] : [],
      providers: [
        Metrics,
        HttpMetricsMiddleware,
        // What graceful shutdown waits for (graceful-shutdown.ts).
        RunningHandlers,
        { provide: APP_INTERCEPTOR, useExisting: RunningHandlers },
        ...(config.METRICS_PORT === undefined ? [] : [MetricsServer]),
      ],
      exports: [Metrics, RunningHandlers],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
