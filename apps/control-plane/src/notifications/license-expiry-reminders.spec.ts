import { reminderStep } from './license-expiry-reminders.service.js';

describe('license expiry reminder steps', () => {
  it('picks the smallest configured step at or above the days left', () => {
    expect(reminderStep(45, [30, 7])).toBeUndefined();
    expect(reminderStep(30, [30, 7])).toBe(30);
    expect(reminderStep(8, [7, 30])).toBe(30);
    expect(reminderStep(7, [30, 7])).toBe(7);
    expect(reminderStep(1, [30, 7])).toBe(7);
  });
});
