// Per-tenant rules that turn what the identity provider says about a user (an OIDC claim, a SAML
// attribute, an LDAP group) into a role of the tenant. The first rule that matches gives the
// role; none matching falls back to the connection's default role, or to no membership at all.
import { identityErrors } from './errors.js';

/**
 * `claim` names a claim or attribute (`groups`, `department` …); the rule matches when its value
 * equals `equals` or, for a list, contains it. `role` is a built-in role or a custom role's id.
 */
export interface RoleRule {
  readonly claim: string;
  readonly equals: string;
  readonly role: string;
}

const MAX_RULES = 50;
const invalid = (field: string, reason: string) => identityErrors.create('SSO_CONNECTION_INVALID', { details: { field, reason } });

function field(value: unknown, path: string, max: number): string {
  if (typeof value !== 'string' || value === '' || value.length > max) throw invalid(path, `must be 1–${max} characters`);
  return value;
}

/** Checks rules as given by a tenant admin; unknown keys are refused. */
export function parseRoleRules(value: unknown): RoleRule[] {
  if (!Array.isArray(value)) throw invalid('roleRules', 'must be a list');
  if (value.length > MAX_RULES) throw invalid('roleRules', `at most ${MAX_RULES} rules`);
  return value.map((rule: unknown, i) => {
    if (typeof rule !== 'object' || rule === null) throw invalid(`roleRules[${i}]`, 'must be { claim, equals, role }');
    for (const key of Object.keys(rule)) if (!['claim', 'equals', 'role'].includes(key)) throw invalid(`roleRules[${i}].${key}`, 'unknown field');
    const r = rule as Record<string, unknown>;
    return Object.freeze({ claim: field(r.claim, `roleRules[${i}].claim`, 128), equals: field(r.equals, `roleRules[${i}].equals`, 512), role: field(r.role, `roleRules[${i}].role`, 64) });
  });
}

/**
 * The role the rules give these claims, else `defaultRole`, else undefined (no membership).
 *
 * @example roleFor([{ claim: 'groups', equals: 'eng-admins', role: 'admin' }], { groups: ['eng-admins'] }, 'member') // 'admin'
 */
export function roleFor(rules: readonly RoleRule[], claims: Readonly<Record<string, unknown>>, defaultRole: string | null): string | undefined {
  for (const rule of rules) {
    // Own properties only: a rule naming `constructor` or `__proto__` must not match everyone.
    const value = Object.hasOwn(claims, rule.claim) ? claims[rule.claim] : undefined;
    if (value === rule.equals || (Array.isArray(value) && value.includes(rule.equals))) return rule.role;
  }
  return defaultRole ?? undefined;
}
