// The plan catalog the quota tests share: test data, reached through testing/internal.ts and in no subpath of the package's exports.
import { definePlanCatalog } from '../quota/index.js';

export const testCatalog = () => definePlanCatalog({
  meters: {
    members: { kind: 'level', unit: 'seats' },
    storageBytes: { kind: 'level', unit: 'bytes' },
    apiCalls: { kind: 'period', unit: 'requests' },
    apiRequestsPerMinute: { kind: 'rate', unit: 'requests/min' },
  },
  plans: {
    free: {
      limits: { members: 3, storageBytes: { hard: 1000, soft: 800 }, apiCalls: { hard: 100 }, apiRequestsPerMinute: 60 },
      features: { sso: false, export: false },
      price: { currency: 'EUR', baseMinor: 0 },
    },
    pro: {
      limits: { members: 50, storageBytes: 100_000, apiCalls: null, apiRequestsPerMinute: 600 },
      features: { sso: true, export: true },
      price: {
        currency: 'EUR', baseMinor: 4900,
        meters: { apiCalls: { includedUnits: 1000, unitPriceMinor: 5, perUnits: 100 }, storageBytes: { includedUnits: 50_000, unitPriceMinor: 2, perUnits: 1000 } },
      },
    },
  },
});
