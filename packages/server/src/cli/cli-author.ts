// Who the CLI acts as in tenants' audit logs: the operating-system user who ran it.
import { userInfo } from 'node:os';

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** `cli:<user>`, recorded with every change a command makes. */
export const CLI_AUTHOR: { readonly actor: string } = Object.freeze({ actor: `cli:${osUser()}` });
