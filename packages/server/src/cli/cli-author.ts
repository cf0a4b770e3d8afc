// Who the CLI acts as in tenants' audit logs: the operating-system user who ran it.
import { userInfo } from 'node:os';
import type { ChangeAuthor } from 'tenantry/control';

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** `cli:<user>`, recorded with every change a command makes. */
export const CLI_AUTHOR: ChangeAuthor = Object.freeze({ actor: `cli:${osUser()}` });
