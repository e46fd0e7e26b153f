import { z } from 'zod';
import { identifierSchema, planLimitsSchema } from '@atlasai/license-core';

const identifierList = z
  .array(identifierSchema)
  .max(64)
  .refine((items) => new Set(items).size === items.length, 'must not repeat an entry');

export const createPlanSchema = z.strictObject({
  id: identifierSchema,
  name: z.string().trim().min(1).max(100),
  limits: planLimitsSchema,
  modules: identifierList,
  available_addons: identifierList.default([]),
});
export type CreatePlanInput = z.infer<typeof createPlanSchema>;

export const updatePlanSchema = createPlanSchema.omit({ id: true }).partial();
export type UpdatePlanInput = z.infer<typeof updatePlanSchema>;
