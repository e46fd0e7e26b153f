import { type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { AppError } from './app-error.js';
import { assertNoHostileText } from './hostile-text.js';

/** Validates a body, query or param with a zod schema; every bad field is named in `details`. */
export class ZodPipe<Schema extends z.ZodType> implements PipeTransform<unknown, z.infer<Schema>> {
  constructor(
    /** Public so the OpenAPI document is generated from the very schema that validates. */
    readonly schema: Schema,
    readonly what = 'request body',
  ) {}

  transform(value: unknown): z.infer<Schema> {
    assertNoHostileText(value, this.what);
    const parsed = this.schema.safeParse(value ?? {});
    if (parsed.success) return parsed.data;
    const details = parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || '(root)', message: issue.message }));
    const summary = details.map((detail) => `${detail.field}: ${detail.message}`).join('; ');
    throw AppError.validation(`The ${this.what} is invalid: ${summary}.`, details);
  }
}
