import type { PipeTransform } from '@nestjs/common';
import { AppError } from './app-error.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Rejects a path id that is not a UUID before it reaches the database. */
export class UuidParamPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!UUID.test(value)) throw new AppError(400, 'INVALID_ID', `"${value.slice(0, 64)}" is not a UUID.`);
    return value.toLowerCase();
  }
}
