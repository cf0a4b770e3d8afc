// The tenants' settings the control plane serves by default: a time zone, a locale, and `custom`,
// a bounded bag of JSON values where an application keeps its own until it declares a schema
// (startServer's `settingsSchema` option replaces this one).
import { FormatRegistry, Type, type TSchema } from '@sinclair/typebox';

/** The formats above, which only TypeBox's Value checks (the library validates settings; Ajv never sees them). */
export const SETTINGS_FORMATS: ReadonlySet<string> = new Set(['time-zone', 'locale']);

FormatRegistry.Set('time-zone', (value) => {
  try {
    return new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone !== '';
  } catch {
    return false;
  }
});
FormatRegistry.Set('locale', (value) => {
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
});

// A key that reads as a name: no spaces, no `__proto__`-like surprises, bounded.
const KEY = '^[A-Za-z][A-Za-z0-9_.-]{0,63}$';
const Scalar = Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean(), Type.Null()]);
// Two levels deep at most: enough for an application's flags and lists, too shallow to abuse.
const CustomValue: TSchema = Type.Union([
  Scalar,
  Type.Array(Scalar, { maxItems: 100 }),
  Type.Record(Type.String({ pattern: KEY }), Scalar, { maxProperties: 50, additionalProperties: false }),
]);

/**
 * @example startServer(config, { settingsSchema: Type.Object({ ...DEFAULT_SETTINGS_SCHEMA.properties, seats: Type.Integer({ default: 5 }) }) });
 */
export const DEFAULT_SETTINGS_SCHEMA = Type.Object({
  timezone: Type.String({ format: 'time-zone', maxLength: 64, default: 'UTC', description: 'An IANA time zone (`Europe/Paris`).' }),
  locale: Type.String({ format: 'locale', maxLength: 35, default: 'en-US', description: 'A BCP 47 language tag (`fr-CA`).' }),
  custom: Type.Record(Type.String({ pattern: KEY }), CustomValue, {
    maxProperties: 100, default: {}, additionalProperties: false, description: 'Application-defined values: keys a letter then up to 63 of A–Z a–z 0–9 _ . -; values JSON, two levels deep.',
  }),
}, { additionalProperties: false });
