// The tenants' settings the control plane serves by default: a time zone, a locale, and `custom`,
// a bounded bag of JSON values where an application keeps its own until it declares a schema
// (startServer's `settingsSchema` option replaces this one).
import { FormatRegistry, Type, type TSchema } from '@sinclair/typebox';

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

const Scalar = Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean(), Type.Null()]);
// Two levels deep at most: enough for an application's flags and lists, too shallow to abuse.
const CustomValue: TSchema = Type.Union([
  Scalar,
  Type.Array(Scalar, { maxItems: 100 }),
  Type.Record(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,63}$' }), Scalar, { maxProperties: 50 }),
]);

/**
 * @example startServer(config, { settingsSchema: Type.Object({ ...DEFAULT_SETTINGS_SCHEMA.properties, seats: Type.Integer({ default: 5 }) }) });
 */
export const DEFAULT_SETTINGS_SCHEMA = Type.Object({
  timezone: Type.String({ format: 'time-zone', maxLength: 64, default: 'UTC', description: 'An IANA time zone (`Europe/Paris`).' }),
  locale: Type.String({ format: 'locale', maxLength: 35, default: 'en-US', description: 'A BCP 47 language tag (`fr-CA`).' }),
  custom: Type.Record(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,63}$' }), CustomValue, {
    maxProperties: 100, default: {}, description: 'Application-defined values: keys a letter then up to 63 of A–Z a–z 0–9 _ . -; values JSON, two levels deep.',
  }),
}, { additionalProperties: false });
