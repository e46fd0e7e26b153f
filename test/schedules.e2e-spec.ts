import { SchedulerRegistry } from '@nestjs/schedule';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('periodic jobs', () => {
  let apps: TestApp[] = [];

  afterAll(async () => {
    for (const app of apps) await app.destroy();
    apps = [];
  });

  it('registers the notification and billing schedules by default, and none with SCHEDULES_ENABLED=false', async () => {
    const withJobs = await startTestApp('schedules_on');
    const withoutJobs = await startTestApp('schedules_off', { env: { SCHEDULES_ENABLED: 'false' } });
    apps.push(withJobs, withoutJobs);
    expect(withJobs.app.get(SchedulerRegistry).getIntervals()).toEqual(expect.arrayContaining(['notifications.relay', 'notifications.sweep']));
    expect(withJobs.app.get(SchedulerRegistry).getIntervals().length).toBeGreaterThanOrEqual(3);
    expect(withoutJobs.app.get(SchedulerRegistry).getIntervals()).toEqual([]);
  });
});
