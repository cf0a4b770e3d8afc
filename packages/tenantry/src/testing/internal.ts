// tenantry/testing's face for the library's own tests only: nothing here is in the package's exports.
export { testCatalog } from './quota-catalog.js';
