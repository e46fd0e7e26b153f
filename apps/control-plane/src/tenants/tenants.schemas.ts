import { z } from 'zod';
import { TENANT_DEPLOYMENT_MODES } from './tenant.entity.js';

export const tenantIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'tenant id: 2-63 characters of a-z, 0-9 and "-", starting with a letter or digit');

export const createTenantSchema = z.strictObject({
  id: tenantIdSchema,
  name: z.string().trim().min(1).max(200),
  contact_email: z.email('must be a valid email address').max(254),
  deployment_mode: z.enum(TENANT_DEPLOYMENT_MODES),
});
export type CreateTenantInput = z.infer<typeof createTenantSchema>;

export const updateTenantSchema = createTenantSchema.omit({ id: true }).partial();
export type UpdateTenantInput = z.infer<typeof updateTenantSchema>;
