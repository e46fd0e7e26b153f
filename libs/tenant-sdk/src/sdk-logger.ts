/** Where the SDK writes its few lines; pass the tenant plane's logger. Tokens are never passed to it. */
export interface SdkLogger {
  info(message: string): void;
  warn(message: string): void;
}

export const consoleLogger: SdkLogger = {
  info: (message) => console.log(message),
  warn: (message) => console.warn(message),
};

/** The injectable time source; tests move it by hand. */
export interface SdkClock {
  now(): Date;
}

export const systemClock: SdkClock = { now: () => new Date() };
