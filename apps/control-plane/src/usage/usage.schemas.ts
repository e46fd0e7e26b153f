import { z } from 'zod';

/** What a tenant plane reports; each figure is optional (a plane that cannot measure one omits it), at least one is given. */
/** The figures, each optional: the SaaS report and the phone-home's `usage` share them. */
export const usageFiguresSchema = z.strictObject({
  users: z.number().int().nonnegative().max(100_000_000).optional(),
  data_volume_gb: z.number().nonnegative().max(1e12).optional(),
  ai_credits_used: z.number().int().nonnegative().max(1e15).optional(),
});

export const usageReportSchema = usageFiguresSchema.refine((report) => Object.values(report).some((value) => value !== undefined), {
  message: 'report at least one of users, data_volume_gb, ai_credits_used',
});
export type UsageReportInput = z.infer<typeof usageReportSchema>;
