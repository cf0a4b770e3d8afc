// What happens to data keys, for the audit log: each event is handed to a hook the caller
// provides, inside the same transaction where there is one.
import type { TenantId } from '../core/index.js';

/** A change to a tenant's data keys. None carries key material. */
export type KeyEvent =
  | { readonly type: 'data-key.created'; readonly tenantId: TenantId; readonly version: number; readonly masterKeyId: string; readonly at: Date }
  | { readonly type: 'data-keys.destroyed'; readonly tenantId: TenantId; readonly versions: readonly number[]; readonly at: Date }
  | { readonly type: 'data-keys.rewrapped'; readonly tenantId: TenantId; readonly versions: readonly number[]; readonly masterKeyId: string; readonly at: Date };
