import { z } from 'zod';

const usageAgainstLimit = z.object({
  current: z.number().nullable().describe('The latest reported figure; null until reported.'),
  limit: z.number().nullable().describe("The plan's limit; null is unlimited."),
  percent: z.number().nullable(),
});

export const tenantUsageResponse = z
  .object({
    tenant_id: z.string(),
    plan_name: z.string().nullable(),
    reported_at: z.string().nullable(),
    source: z.enum(['saas', 'phone_home']).nullable(),
    period: z.string().describe('The calendar month (UTC) limit emails are sent once in, e.g. 2026-11.'),
    limits: z.record(z.enum(['users', 'data_volume_gb', 'ai_credits']), usageAgainstLimit),
  })
  .meta({ id: 'TenantUsage' });
