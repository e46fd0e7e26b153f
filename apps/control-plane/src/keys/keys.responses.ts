import { z } from 'zod';

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
