// SCIM 2.0 Users and Groups of one tenant's connection (RFC 7643 resources, RFC 7644 operations):
// what the identity provider pushes is stored as it sent it (tenant data, row-level security),
// and after every change the affected users' memberships follow — through the same just-in-time
// provisioning as a sign-in (the connection's role rules read `groups`), so a user the IdP
// deactivates, deletes or takes out of every mapped group stops being a member at once.
import { randomUUID } from 'node:crypto';
import { appendAuditEvent } from '../audit/index.js';
import { isTenantryError, systemClock, type Clock } from '../core/index.js';
import type { Members } from '../control/index.js';
import type { TenantTransaction } from '../postgres/index.js';
import { unguardedQuery } from '../postgres/internal.js';
import type { SsoConnection } from './connections.js';
import { identityErrors } from './errors.js';
import { deprovisionMember, provisionMember } from './provisioning.js';
import { matchesScimFilter, parseScimFilter } from './scim-filter.js';

export const SCIM_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const SCIM_GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const SCIM_PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SCIM_LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export type ScimResource = Record<string, unknown> & { readonly id: string };
export interface ScimList { readonly totalResults: number; readonly startIndex: number; readonly itemsPerPage: number; readonly Resources: ScimResource[] }
export interface ScimListQuery { readonly filter?: string; readonly startIndex?: number; readonly count?: number }
export interface ScimPatchOperation { readonly op: string; readonly path?: string; readonly value?: unknown }

export interface ScimDirectory {
  listUsers(tx: TenantTransaction, connection: SsoConnection, query: ScimListQuery): Promise<ScimList>;
  getUser(tx: TenantTransaction, connection: SsoConnection, id: string): Promise<ScimResource>;
  createUser(tx: TenantTransaction, connection: SsoConnection, body: unknown): Promise<ScimResource>;
  replaceUser(tx: TenantTransaction, connection: SsoConnection, id: string, body: unknown): Promise<ScimResource>;
  patchUser(tx: TenantTransaction, connection: SsoConnection, id: string, body: unknown): Promise<ScimResource>;
  deleteUser(tx: TenantTransaction, connection: SsoConnection, id: string): Promise<void>;
  listGroups(tx: TenantTransaction, connection: SsoConnection, query: ScimListQuery): Promise<ScimList>;
  getGroup(tx: TenantTransaction, connection: SsoConnection, id: string): Promise<ScimResource>;
  createGroup(tx: TenantTransaction, connection: SsoConnection, body: unknown): Promise<ScimResource>;
  patchGroup(tx: TenantTransaction, connection: SsoConnection, id: string, body: unknown): Promise<ScimResource>;
  deleteGroup(tx: TenantTransaction, connection: SsoConnection, id: string): Promise<void>;
}

interface UserRow {
  id: string; user_name: string; external_id: string | null; display_name: string | null; attributes: Record<string, unknown>;
  active: boolean; created_at: Date; updated_at: Date;
}
interface GroupRow { id: string; display_name: string; external_id: string | null; created_at: Date; updated_at: Date }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const USER_COLUMNS = 'id, user_name, external_id, display_name, attributes, active, created_at, updated_at';
const GROUP_COLUMNS = 'id, display_name, external_id, created_at, updated_at';
/** Attributes kept as sent (bounded by the column's 16 KiB check). */
const KEPT = ['name', 'emails', 'title', 'locale', 'timezone', 'preferredLanguage', 'nickName'];
const MAX_PAGE = 200;

const bad = (field: string, reason: string, scimType = 'invalidValue') => identityErrors.create('SCIM_INVALID', { details: { field, reason, scimType } });
const notFound = () => identityErrors.create('SCIM_RESOURCE_NOT_FOUND');

function text(value: unknown, field: string, required: boolean): string | null {
  if (value === undefined || value === null) {
    if (required) throw bad(field, 'is required');
    return null;
  }
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value.trim() === '' || value.length > 256 || /[\u0000-\u001f\u007f]/.test(value)) throw bad(field, 'must be 1–256 characters');
  return value.trim();
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('body', 'must be a JSON object', 'invalidSyntax');
  return body as Record<string, unknown>;
}

/** A body's attribute by name, case-insensitively (RFC 7643 §2.1). */
function attr(body: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(body).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : body[key];
}

function page(all: ScimResource[], query: ScimListQuery): ScimList {
  const filter = query.filter === undefined ? undefined : parseScimFilter(query.filter);
  const matched = filter === undefined ? all : all.filter((r) => matchesScimFilter(filter, r));
  // RFC 7644 §3.4.2.4: 1-based; a startIndex below 1 is 1; count 0 answers only the total.
  const startIndex = Math.max(1, Math.trunc(query.startIndex ?? 1));
  const count = Math.min(MAX_PAGE, Math.max(0, Math.trunc(query.count ?? MAX_PAGE)));
  const Resources = matched.slice(startIndex - 1, startIndex - 1 + count);
  return { totalResults: matched.length, startIndex, itemsPerPage: Resources.length, Resources };
}

/**
 * @example const directory = createScimDirectory({ members: control.members, clock });
 */
export function createScimDirectory(options: { readonly members: Members; readonly clock?: Clock }): ScimDirectory {
  const clock = options.clock ?? systemClock;
  const deps = { members: options.members, clock };

  /** The connection's rows of one table (all, or the one `id`, SCIM_RESOURCE_NOT_FOUND when missing). */
  async function rowsOf<T>(table: 'scim_users' | 'scim_groups', columns: string, tx: TenantTransaction, connection: SsoConnection, id?: string, lock = false): Promise<T[]> {
    if (id !== undefined && !UUID.test(id)) throw notFound();
    const { rows } = await unguardedQuery(tx).query<T>(
      `SELECT ${columns} FROM tenantry.${table} WHERE tenant_id = $1 AND connection_id = $2 ${id === undefined ? 'ORDER BY created_at, id' : 'AND id = $3'}${lock ? ' FOR UPDATE' : ''}`,
      id === undefined ? [tx.tenantId, connection.id] : [tx.tenantId, connection.id, id]);
    if (id !== undefined && rows.length === 0) throw notFound();
    return rows;
  }
  const userRows = (tx: TenantTransaction, connection: SsoConnection, id?: string, lock = false) => rowsOf<UserRow>('scim_users', USER_COLUMNS, tx, connection, id, lock);
  const groupRows = (tx: TenantTransaction, connection: SsoConnection, id?: string, lock = false) => rowsOf<GroupRow>('scim_groups', GROUP_COLUMNS, tx, connection, id, lock);
  /** group id → its members' (id, userName), and user id → its groups' (id, displayName). */
  async function memberships(tx: TenantTransaction, connection: SsoConnection) {
    const { rows } = await unguardedQuery(tx).query<{ group_id: string; display_name: string; user_id: string; user_name: string }>(
      `SELECT gm.group_id, g.display_name, gm.user_id, u.user_name FROM tenantry.scim_group_members gm
         JOIN tenantry.scim_groups g ON g.tenant_id = gm.tenant_id AND g.id = gm.group_id
         JOIN tenantry.scim_users u ON u.tenant_id = gm.tenant_id AND u.id = gm.user_id
        WHERE gm.tenant_id = $1 AND g.connection_id = $2 ORDER BY g.display_name, u.user_name`, [tx.tenantId, connection.id]);
    const byGroup = new Map<string, { value: string; display: string }[]>();
    const byUser = new Map<string, { value: string; display: string }[]>();
    for (const r of rows) {
      byGroup.set(r.group_id, [...(byGroup.get(r.group_id) ?? []), { value: r.user_id, display: r.user_name }]);
      byUser.set(r.user_id, [...(byUser.get(r.user_id) ?? []), { value: r.group_id, display: r.display_name }]);
    }
    return { byGroup, byUser };
  }

  const userResource = (row: UserRow, groups: { value: string; display: string }[]): ScimResource => ({
    schemas: [SCIM_USER_SCHEMA], id: row.id, userName: row.user_name,
    ...(row.external_id === null ? {} : { externalId: row.external_id }),
    ...(row.display_name === null ? {} : { displayName: row.display_name }),
    ...row.attributes, active: row.active, groups,
    meta: { resourceType: 'User', created: row.created_at.toISOString(), lastModified: row.updated_at.toISOString() },
  });
  const groupResource = (row: GroupRow, members: { value: string; display: string }[]): ScimResource => ({
    schemas: [SCIM_GROUP_SCHEMA], id: row.id, displayName: row.display_name,
    ...(row.external_id === null ? {} : { externalId: row.external_id }), members,
    meta: { resourceType: 'Group', created: row.created_at.toISOString(), lastModified: row.updated_at.toISOString() },
  });

  /** The IdP's stable subject of a user: its externalId (the OIDC `sub` when the IdP sends it so), else its userName. */
  const subjectOf = (row: Pick<UserRow, 'external_id' | 'user_name'>) => row.external_id ?? row.user_name;

  /** Brings the user's membership in line with what the directory now says. */
  async function sync(tx: TenantTransaction, connection: SsoConnection, userId: string, previousSubject?: string): Promise<void> {
    const [row] = await userRows(tx, connection, userId);
    if (row === undefined) return;
    const subject = subjectOf(row);
    if (previousSubject !== undefined && previousSubject !== subject) await deprovisionMember(tx, connection, previousSubject, deps);
    if (!row.active) {
      await deprovisionMember(tx, connection, subject, deps);
      return;
    }
    const { byUser } = await memberships(tx, connection);
    const emails = Array.isArray(row.attributes.emails) ? row.attributes.emails as { value?: unknown; primary?: unknown }[] : [];
    const email = (emails.find((e) => e.primary === true) ?? emails[0])?.value;
    const groups = (byUser.get(row.id) ?? []).map((g) => g.display);
    // No role for these groups: provisionMember has removed a member it made; SCIM keeps the user.
    await provisionMember(tx, connection, { subject, ...(typeof email === 'string' ? { email } : {}), claims: { groups, userName: row.user_name } }, deps);
  }

  function userFields(body: Record<string, unknown>) {
    const attributes: Record<string, unknown> = {};
    for (const name of KEPT) {
      const value = attr(body, name);
      if (value !== undefined && value !== null) attributes[name] = value;
    }
    const active = attr(body, 'active');
    if (active !== undefined && typeof active !== 'boolean') throw bad('active', 'must be true or false');
    return {
      userName: text(attr(body, 'userName'), 'userName', true) as string,
      externalId: text(attr(body, 'externalId'), 'externalId', false),
      displayName: text(attr(body, 'displayName'), 'displayName', false),
      attributes, active: active !== false,
    };
  }

  async function writeUser(tx: TenantTransaction, connection: SsoConnection, id: string | undefined, fields: ReturnType<typeof userFields>): Promise<string> {
    const now = clock.now();
    try {
      if (id === undefined) {
        const newId = randomUUID();
        await tx.savepoint(() => unguardedQuery(tx).query(
          `INSERT INTO tenantry.scim_users (tenant_id, id, connection_id, user_name, external_id, display_name, attributes, active, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
          [tx.tenantId, newId, connection.id, fields.userName, fields.externalId, fields.displayName, JSON.stringify(fields.attributes), fields.active, now]));
        return newId;
      }
      await tx.savepoint(() => unguardedQuery(tx).query(
        `UPDATE tenantry.scim_users SET user_name = $3, external_id = $4, display_name = $5, attributes = $6, active = $7, updated_at = $8 WHERE tenant_id = $1 AND id = $2`,
        [tx.tenantId, id, fields.userName, fields.externalId, fields.displayName, JSON.stringify(fields.attributes), fields.active, now]));
      return id;
    } catch (err) {
      if (isTenantryError(err, 'UNIQUE_VIOLATION')) throw identityErrors.create('SCIM_UNIQUENESS', { details: { scimType: 'uniqueness' } });
      if (isTenantryError(err, 'VALUE_INVALID')) throw bad('body', 'an attribute is too large');
      throw err;
    }
  }

  /** Every push is in the tenant's audit log, as the connection (member changes are recorded besides, by the members service). */
  const audit = (tx: TenantTransaction, connection: SsoConnection, action: string, target: string) =>
    appendAuditEvent(tx, { actor: `scim:${connection.id}`, action, target, details: {} }, { clock });

  const asFields = (row: UserRow) => ({ userName: row.user_name, externalId: row.external_id, displayName: row.display_name, attributes: { ...row.attributes }, active: row.active });

  async function getUser(tx: TenantTransaction, connection: SsoConnection, id: string): Promise<ScimResource> {
    const [row] = await userRows(tx, connection, id);
    return userResource(row as UserRow, (await memberships(tx, connection)).byUser.get(id) ?? []);
  }
  async function getGroup(tx: TenantTransaction, connection: SsoConnection, id: string): Promise<ScimResource> {
    const [row] = await groupRows(tx, connection, id);
    return groupResource(row as GroupRow, (await memberships(tx, connection)).byGroup.get(id) ?? []);
  }

  /** Member user ids from a `members` value, each a user of this connection (else invalidValue). */
  async function memberIds(tx: TenantTransaction, connection: SsoConnection, value: unknown): Promise<string[]> {
    const list = Array.isArray(value) ? value : [value];
    const ids = list.map((m) => (typeof m === 'object' && m !== null ? (m as { value?: unknown }).value : undefined));
    if (ids.some((id) => typeof id !== 'string' || !UUID.test(id))) throw bad('members', 'each member needs the value (id) of a user');
    const known = new Set((await userRows(tx, connection)).map((u) => u.id));
    for (const id of ids) if (!known.has(id as string)) throw bad('members', 'no such user at this connection');
    return [...new Set(ids as string[])];
  }

  async function setMembers(tx: TenantTransaction, groupId: string, add: readonly string[], remove: readonly string[] | 'all'): Promise<void> {
    const sql = unguardedQuery(tx);
    if (remove === 'all') await sql.query('DELETE FROM tenantry.scim_group_members WHERE tenant_id = $1 AND group_id = $2', [tx.tenantId, groupId]);
    else if (remove.length > 0) await sql.query('DELETE FROM tenantry.scim_group_members WHERE tenant_id = $1 AND group_id = $2 AND user_id = ANY($3::uuid[])', [tx.tenantId, groupId, remove]);
    if (add.length > 0) {
      await sql.query(
        `INSERT INTO tenantry.scim_group_members (tenant_id, group_id, user_id) SELECT $1, $2, u FROM unnest($3::uuid[]) u ON CONFLICT DO NOTHING`, [tx.tenantId, groupId, add]);
    }
  }

  function operations(body: unknown): ScimPatchOperation[] {
    const b = objectBody(body);
    const schemas = attr(b, 'schemas');
    if (!Array.isArray(schemas) || !schemas.includes(SCIM_PATCH_SCHEMA)) throw bad('schemas', `must include ${SCIM_PATCH_SCHEMA}`, 'invalidSyntax');
    const ops = attr(b, 'Operations');
    if (!Array.isArray(ops) || ops.length === 0 || ops.length > 100) throw bad('Operations', '1–100 operations', 'invalidSyntax');
    return ops.map((o: unknown) => {
      const op = objectBody(o);
      const name = attr(op, 'op');
      if (typeof name !== 'string' || !['add', 'remove', 'replace'].includes(name.toLowerCase())) throw bad('op', 'add, remove or replace', 'invalidSyntax');
      const path = attr(op, 'path');
      if (path !== undefined && typeof path !== 'string') throw bad('path', 'must be a string', 'invalidPath');
      return { op: name.toLowerCase(), ...(path === undefined ? {} : { path }), value: attr(op, 'value') };
    });
  }

  return Object.freeze<ScimDirectory>({
    async listUsers(tx, connection, query) {
      const { byUser } = await memberships(tx, connection);
      return page((await userRows(tx, connection)).map((r) => userResource(r, byUser.get(r.id) ?? [])), query);
    },
    getUser,
    async createUser(tx, connection, body) {
      const id = await writeUser(tx, connection, undefined, userFields(objectBody(body)));
      await audit(tx, connection, 'scim.user.create', `scim_user:${id}`);
      await sync(tx, connection, id);
      return getUser(tx, connection, id);
    },
    async replaceUser(tx, connection, id, body) {
      const [current] = await userRows(tx, connection, id, true);
      await writeUser(tx, connection, id, userFields(objectBody(body)));
      await audit(tx, connection, 'scim.user.replace', `scim_user:${id}`);
      await sync(tx, connection, id, subjectOf(current as UserRow));
      return getUser(tx, connection, id);
    },
    async patchUser(tx, connection, id, body) {
      const ops = operations(body);
      const [current] = await userRows(tx, connection, id, true);
      const fields = asFields(current as UserRow);
      // The patch applied to the stored user as a replace body, then checked like one.
      const next: Record<string, unknown> = { userName: fields.userName, externalId: fields.externalId, displayName: fields.displayName, ...fields.attributes, active: fields.active };
      for (const op of ops) {
        if (op.path === undefined) {
          if (op.op === 'remove') throw bad('path', 'remove needs a path', 'noTarget');
          Object.assign(next, objectBody(op.value));
          continue;
        }
        const path = op.path.trim();
        if (!/^[A-Za-z]+(\.[A-Za-z]+)?$/.test(path)) throw bad('path', 'only attribute paths (name.givenName) are supported', 'invalidPath');
        const [top, sub] = path.split('.') as [string, string | undefined];
        const key = Object.keys(next).find((k) => k.toLowerCase() === top.toLowerCase()) ?? top;
        if (sub === undefined) {
          next[key] = op.op === 'remove' ? undefined : op.value;
        } else {
          const parent = { ...(typeof next[key] === 'object' && next[key] !== null ? next[key] as Record<string, unknown> : {}) };
          if (op.op === 'remove') delete parent[sub];
          else parent[sub] = op.value;
          next[key] = parent;
        }
      }
      // Azure AD sends booleans as strings in PATCH ("False").
      if (typeof next.active === 'string' && /^(true|false)$/i.test(next.active)) next.active = next.active.toLowerCase() === 'true';
      await writeUser(tx, connection, id, userFields(next));
      await audit(tx, connection, 'scim.user.update', `scim_user:${id}`);
      await sync(tx, connection, id, subjectOf(current as UserRow));
      return getUser(tx, connection, id);
    },
    async deleteUser(tx, connection, id) {
      const [current] = await userRows(tx, connection, id, true);
      await deprovisionMember(tx, connection, subjectOf(current as UserRow), deps);
      await unguardedQuery(tx).query('DELETE FROM tenantry.scim_users WHERE tenant_id = $1 AND id = $2', [tx.tenantId, id]);
      await audit(tx, connection, 'scim.user.delete', `scim_user:${id}`);
    },
    async listGroups(tx, connection, query) {
      const { byGroup } = await memberships(tx, connection);
      return page((await groupRows(tx, connection)).map((r) => groupResource(r, byGroup.get(r.id) ?? [])), query);
    },
    getGroup,
    async createGroup(tx, connection, body) {
      const b = objectBody(body);
      const displayName = text(attr(b, 'displayName'), 'displayName', true) as string;
      const externalId = text(attr(b, 'externalId'), 'externalId', false);
      const members = attr(b, 'members') === undefined ? [] : await memberIds(tx, connection, attr(b, 'members'));
      const id = randomUUID();
      const now = clock.now();
      try {
        await tx.savepoint(() => unguardedQuery(tx).query(
          `INSERT INTO tenantry.scim_groups (tenant_id, id, connection_id, display_name, external_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
          [tx.tenantId, id, connection.id, displayName, externalId, now]));
      } catch (err) {
        if (isTenantryError(err, 'UNIQUE_VIOLATION')) throw identityErrors.create('SCIM_UNIQUENESS', { details: { scimType: 'uniqueness' } });
        throw err;
      }
      await setMembers(tx, id, members, []);
      await audit(tx, connection, 'scim.group.create', `scim_group:${id}`);
      for (const user of members) await sync(tx, connection, user);
      return getGroup(tx, connection, id);
    },
    async patchGroup(tx, connection, id, body) {
      const ops = operations(body);
      const [current] = await groupRows(tx, connection, id, true);
      const before = new Set(((await memberships(tx, connection)).byGroup.get(id) ?? []).map((m) => m.value));
      let displayName = (current as GroupRow).display_name;
      let externalId = (current as GroupRow).external_id;
      for (const op of ops) {
        const path = op.path?.trim();
        if (path === undefined) {
          if (op.op === 'remove') throw bad('path', 'remove needs a path', 'noTarget');
          const value = objectBody(op.value);
          if (attr(value, 'displayName') !== undefined) displayName = text(attr(value, 'displayName'), 'displayName', true) as string;
          if (attr(value, 'externalId') !== undefined) externalId = text(attr(value, 'externalId'), 'externalId', false);
          if (attr(value, 'members') !== undefined) await setMembers(tx, id, await memberIds(tx, connection, attr(value, 'members')), op.op === 'replace' ? 'all' : []);
        } else if (/^displayName$/i.test(path)) {
          if (op.op === 'remove') throw bad('displayName', 'is required', 'mutability');
          displayName = text(op.value, 'displayName', true) as string;
        } else if (/^externalId$/i.test(path)) {
          externalId = op.op === 'remove' ? null : text(op.value, 'externalId', false);
        } else if (/^members$/i.test(path)) {
          if (op.op === 'remove') await setMembers(tx, id, [], op.value === undefined ? 'all' : await memberIds(tx, connection, op.value));
          else await setMembers(tx, id, await memberIds(tx, connection, op.value), op.op === 'replace' ? 'all' : []);
        } else {
          // RFC 7644 §3.5.2.2: members[value eq "<id>"] removes one member.
          const one = /^members\[\s*value\s+eq\s+"([0-9a-f-]{36})"\s*\]$/i.exec(path);
          if (one === null || op.op !== 'remove') throw bad('path', 'displayName, externalId, members or members[value eq "id"]', 'invalidPath');
          await setMembers(tx, id, [], [one[1] as string]);
        }
      }
      try {
        await tx.savepoint(() => unguardedQuery(tx).query(
          'UPDATE tenantry.scim_groups SET display_name = $3, external_id = $4, updated_at = $5 WHERE tenant_id = $1 AND id = $2', [tx.tenantId, id, displayName, externalId, clock.now()]));
      } catch (err) {
        if (isTenantryError(err, 'UNIQUE_VIOLATION')) throw identityErrors.create('SCIM_UNIQUENESS', { details: { scimType: 'uniqueness' } });
        throw err;
      }
      await audit(tx, connection, 'scim.group.update', `scim_group:${id}`);
      const after = new Set(((await memberships(tx, connection)).byGroup.get(id) ?? []).map((m) => m.value));
      // A rename changes every member's groups claim; a membership change, the members that changed.
      const affected = displayName !== (current as GroupRow).display_name ? new Set([...before, ...after]) : new Set([...before, ...after].filter((u) => before.has(u) !== after.has(u)));
      for (const user of affected) await sync(tx, connection, user);
      return getGroup(tx, connection, id);
    },
    async deleteGroup(tx, connection, id) {
      await groupRows(tx, connection, id, true);
      const members = ((await memberships(tx, connection)).byGroup.get(id) ?? []).map((m) => m.value);
      await unguardedQuery(tx).query('DELETE FROM tenantry.scim_groups WHERE tenant_id = $1 AND id = $2', [tx.tenantId, id]);
      await audit(tx, connection, 'scim.group.delete', `scim_group:${id}`);
      for (const user of members) await sync(tx, connection, user);
    },
  });
}
