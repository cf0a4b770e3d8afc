// A clock passed in as a dependency, so tests control time instead of sleeping.

/** The source of "now" for everything that stores or compares times. */
export interface Clock {
  now(): Date;
}

/** The real clock. */
export const systemClock: Clock = Object.freeze({ now: () => new Date() });
