import { DataSource } from 'typeorm';
import { fastNotifications } from '../../support/notification-env.js';
import { RedisProcess } from '../../support/redis-process.js';
import { SmtpSink } from '../../support/smtp-sink.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

/** The app in-process with a Redis of its own (which the test may kill) and an SMTP sink, delivering through BullMQ. */
export interface MailStack {
  cp: TestApp;
  redis: RedisProcess;
  smtp: SmtpSink;
  /** A query on the app's database, through the app's pool. */
  query(sql: string, params?: unknown[]): Promise<unknown[]>;
  close(): Promise<void>;
}

export async function startMailStack(label: string, env: Record<string, string> = {}): Promise<MailStack> {
  const redis = await RedisProcess.start();
  const smtp = await SmtpSink.start();
  const cp = await startTestApp(label, { env: fastNotifications(smtp.url, { REDIS_URL: redis.url, ...env }) });
  return {
    cp,
    redis,
    smtp,
    query: (sql, params) => cp.app.get(DataSource).query(sql, params) as Promise<unknown[]>,
    close: async () => {
      await cp.destroy();
      // The test may have closed the sink already (an SMTP outage).
      await smtp.close().catch(() => undefined);
      await redis.kill();
    },
  };
}
