// The plan catalog the billing tests share (not exported from the capability): prices that do
// not divide a month's seconds evenly, so rounding is exercised.
import { definePlanCatalog } from '../quota/index.js';

export const billingTestCatalog = () => definePlanCatalog({
  meters: { apiCalls: { kind: 'period', unit: 'requests' }, members: { kind: 'level', unit: 'seats' } },
  plans: {
    free: { price: { currency: 'EUR', baseMinor: 0 } },
    basic: { price: { currency: 'EUR', baseMinor: 997, meters: { apiCalls: { includedUnits: 100, unitPriceMinor: 3, perUnits: 10 } } } },
    pro: { price: { currency: 'EUR', baseMinor: 4901, meters: { apiCalls: { includedUnits: 1000, unitPriceMinor: 7, perUnits: 100 } } } },
    max: { price: { currency: 'EUR', baseMinor: 19_999, meters: { apiCalls: { includedUnits: 5000, unitPriceMinor: 1, perUnits: 7 } } } },
    dollars: { price: { currency: 'USD', baseMinor: 5000 } },
  },
});
