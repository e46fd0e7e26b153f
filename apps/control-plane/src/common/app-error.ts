/**
 * The one error type services throw. `code` is stable and machine-readable; the global filter turns
 * it into `{error: {code, message, details}}` with `status`.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  static notFound(what: string, id: string, code = 'NOT_FOUND'): AppError {
    return new AppError(404, code, `${what} "${id}" does not exist.`);
  }

  static conflict(code: string, message: string, details?: unknown): AppError {
    return new AppError(409, code, message, details);
  }

  static validation(message: string, details?: unknown): AppError {
    return new AppError(400, 'VALIDATION_FAILED', message, details);
  }
}
