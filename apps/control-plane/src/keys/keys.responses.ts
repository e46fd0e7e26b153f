import { z } from 'zod';
import { keyChainSchema } from '@atlasai/license-core';

export const jwksResponse = z.object({
  keys: z.array(
    z.looseObject({
      kty: z.string().optional(),
      kid: z.string().optional(),
      alg: z.string().optional(),
      use: z.string().optional(),
      n: z.string().optional(),
      e: z.string().optional(),
    }),
  ),
});

export const keyChainResponse = z.object({
  active_kid: z.string(),
  keys: keyChainSchema,
});
