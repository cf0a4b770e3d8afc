// Hierarchical tenants: a tenant's sub-units (any depth) in tenantry.tenant_nodes, members granted
// at one of them, settings and flags that inherit down, and usage that rolls up. Which rows a
// transaction sees is decided in PostgreSQL (migration 0025's restrictive policies, read through
// `enterNode`); this module only names, creates and reads. Every change is audited, naming the node.
import { randomUUID } from 'node:crypto';
import { appendAuditEvent, type JsonObject } from '../audit/index.js';
import { isTenantryError, systemClock, type Clock } from '../core/index.js';
import type { TenantTransaction } from '../postgres/index.js';
import { unguardedQuery } from '../postgres/internal.js';
import { identityErrors } from './errors.js';
import { inTransaction, type ControlScope } from './connections.js';

export interface TenantNode {
  readonly id: string;
  /** Null for a top-level unit of the tenant. */
  readonly parentId: string | null;
  readonly name: string;
  /** The ids from the top-level ancestor down to this node itself. */
  readonly path: readonly string[];
  /** This node's own overrides (see {@link TenantNodes.effective} for the inherited values). */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly flags: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
}

export interface TenantNodeInput {
  readonly name: string;
  readonly parentId?: string | null;
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly flags?: Readonly<Record<string, unknown>>;
}

export interface TenantNodes {
  /**
   * A node under `parentId` (or top-level). In a transaction entered at a node, only inside its
   * subtree: PostgreSQL refuses anything else, and it is NODE_NOT_FOUND here.
   *
   * @example const region = await nodes.create(tx, { name: 'North', parentId: org.id }, 'user:alice');
   */
  create(scope: ControlScope, input: TenantNodeInput, actor: string): Promise<TenantNode>;
  /** The nodes the scope sees (the whole tree, or the subtree it was entered at), top down. */
  list(scope: ControlScope): Promise<TenantNode[]>;
  /** NODE_NOT_FOUND for a node of another tenant, or above or beside the scope's node. */
  get(scope: ControlScope, id: string): Promise<TenantNode>;
  /** Replaces the name, settings or flags given; a node never moves. */
  update(scope: ControlScope, id: string, input: Partial<Omit<TenantNodeInput, 'parentId'>>, actor: string): Promise<TenantNode>;
  /** NODE_IN_USE while it has children or grants (or rows of a node-scoped table refer to it). */
  remove(scope: ControlScope, id: string, actor: string): Promise<void>;
  /** Settings and flags as they hold at the node: the ancestors' merged top down, the node's own last. */
  effective(scope: ControlScope, id: string): Promise<{ settings: Record<string, unknown>; flags: Record<string, unknown> }>;
  /** Grants a member at a node: from then on {@link enterMemberScope} enters it. */
  grant(scope: ControlScope, userId: string, nodeId: string, actor: string): Promise<void>;
  /** Takes the grant away: the member sees the whole tenant again. */
  revoke(scope: ControlScope, userId: string, actor: string): Promise<void>;
  /** The node a member is granted at; undefined for a whole-tenant member. */
  grantOf(scope: ControlScope, userId: string): Promise<string | undefined>;
  /** Adds `quantity` to a node's counter of `metric`. */
  addUsage(scope: ControlScope, nodeId: string, metric: string, quantity: number): Promise<void>;
  /** A node's usage of `metric` rolled up: its own plus every descendant's. */
  usage(scope: ControlScope, nodeId: string, metric: string): Promise<number>;
}

interface NodeRow {
  id: string; parent_id: string | null; name: string; path: string[]; settings: Record<string, unknown>; flags: Record<string, unknown>; created_at: Date;
}

const COLUMNS = 'id, parent_id, name, path, settings, flags, created_at';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const METRIC = /^[a-z][a-z0-9_.]{0,63}$/;
const invalid = (field: string, reason: string) => identityErrors.create('NODE_INVALID', { details: { field, reason } });

function toNode(row: NodeRow): TenantNode {
  return Object.freeze({
    id: row.id, parentId: row.parent_id, name: row.name, path: Object.freeze([...row.path]),
    settings: Object.freeze({ ...row.settings }), flags: Object.freeze({ ...row.flags }), createdAt: row.created_at,
  });
}

function nodeName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 200) throw invalid('name', 'must be 1–200 characters');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw invalid('name', 'must not contain control characters');
  return value.trim();
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(field, 'must be an object');
  if (JSON.stringify(value).length > 65_536) throw invalid(field, 'at most 64 KiB');
  return value as Record<string, unknown>;
}

/** A node id as the caller gave it; anything that is no UUID is a node nobody has. */
function nodeId(value: unknown): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw identityErrors.create('NODE_NOT_FOUND');
  return value;
}

async function audit(tx: TenantTransaction, actor: string, action: string, node: string, details: JsonObject, clock: Clock): Promise<void> {
  await appendAuditEvent(tx, { actor, action, target: `node:${node}`, details: { node, ...details } }, { clock });
}

/**
 * @example const nodes = createTenantNodes({ clock });
 */
export function createTenantNodes(options: { readonly clock?: Clock } = {}): TenantNodes {
  const clock = options.clock ?? systemClock;

  async function read(scope: ControlScope, id: string): Promise<NodeRow> {
    const { rows } = await unguardedQuery(scope).query<NodeRow>(`SELECT ${COLUMNS} FROM tenantry.tenant_nodes WHERE tenant_id = $1 AND id = $2`, [scope.tenantId, nodeId(id)]);
    if (!rows[0]) throw identityErrors.create('NODE_NOT_FOUND');
    return rows[0];
  }

  return Object.freeze<TenantNodes>({
    async create(scope, input, actor) {
      const name = nodeName(input.name);
      const parentId = input.parentId === undefined || input.parentId === null ? null : nodeId(input.parentId);
      const settings = object(input.settings ?? {}, 'settings');
      const flags = object(input.flags ?? {}, 'flags');
      const id = randomUUID();
      return inTransaction(scope, async (tx) => {
        // Read first so a parent out of sight is NODE_NOT_FOUND, not a policy violation.
        if (parentId !== null) await read(tx, parentId);
        let rows: NodeRow[];
        try {
          ({ rows } = await tx.savepoint(() => unguardedQuery(tx).query<NodeRow>(
            `INSERT INTO tenantry.tenant_nodes (tenant_id, id, parent_id, name, settings, flags, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
            [tx.tenantId, id, parentId, name, JSON.stringify(settings), JSON.stringify(flags), clock.now()],
          )));
        } catch (err) {
          // A top-level node made inside a scope: the restrictive policy's WITH CHECK refuses it.
          if (isTenantryError(err, 'ISOLATION_VIOLATION')) throw identityErrors.create('NODE_NOT_FOUND', { details: { field: 'parentId' } });
          throw err;
        }
        await audit(tx, actor, 'node.create', id, { parentId, name }, clock);
        return toNode(rows[0] as NodeRow);
      });
    },
    async list(scope) {
      const { rows } = await unguardedQuery(scope).query<NodeRow>(`SELECT ${COLUMNS} FROM tenantry.tenant_nodes WHERE tenant_id = $1 ORDER BY cardinality(path), created_at, id`, [scope.tenantId]);
      return rows.map(toNode);
    },
    async get(scope, id) {
      return toNode(await read(scope, id));
    },
    async update(scope, id, input, actor) {
      return inTransaction(scope, async (tx) => {
        const current = await read(tx, id);
        const name = input.name === undefined ? current.name : nodeName(input.name);
        const settings = input.settings === undefined ? current.settings : object(input.settings, 'settings');
        const flags = input.flags === undefined ? current.flags : object(input.flags, 'flags');
        const { rows } = await unguardedQuery(tx).query<NodeRow>(
          `UPDATE tenantry.tenant_nodes SET name = $3, settings = $4, flags = $5 WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
          [tx.tenantId, current.id, name, JSON.stringify(settings), JSON.stringify(flags)],
        );
        await audit(tx, actor, 'node.update', current.id, { changed: Object.keys(input).sort() }, clock);
        return toNode(rows[0] as NodeRow);
      });
    },
    async remove(scope, id, actor) {
      await inTransaction(scope, async (tx) => {
        const current = await read(tx, id);
        try {
          await tx.savepoint(() => unguardedQuery(tx).query('DELETE FROM tenantry.tenant_nodes WHERE tenant_id = $1 AND id = $2', [tx.tenantId, current.id]));
        } catch (err) {
          if (isTenantryError(err, 'FOREIGN_KEY_VIOLATION')) throw identityErrors.create('NODE_IN_USE');
          throw err;
        }
        await audit(tx, actor, 'node.remove', current.id, {}, clock);
      });
    },
    async effective(scope, id) {
      const node = await read(scope, id);
      // Ancestors above a scoped transaction's node are out of its sight, and so are their
      // values: read as the tenant saw them when the node was entered is not possible here, so
      // a scoped caller gets what its own subtree defines (documented in docs/hierarchy.md).
      const { rows } = await unguardedQuery(scope).query<{ settings: Record<string, unknown>; flags: Record<string, unknown> }>(
        `SELECT settings, flags FROM tenantry.tenant_nodes WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY cardinality(path)`,
        [scope.tenantId, node.path],
      );
      const settings: Record<string, unknown> = {};
      const flags: Record<string, unknown> = {};
      for (const row of rows) {
        Object.assign(settings, row.settings);
        Object.assign(flags, row.flags);
      }
      return { settings, flags };
    },
    async grant(scope, userId, node, actor) {
      await inTransaction(scope, async (tx) => {
        const target = await read(tx, node);
        try {
          await tx.savepoint(() => unguardedQuery(tx).query(
            `INSERT INTO tenantry.tenant_node_grants (tenant_id, user_id, node_id, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (tenant_id, user_id) DO UPDATE SET node_id = excluded.node_id, created_at = excluded.created_at`,
            [tx.tenantId, userId, target.id, clock.now()],
          ));
        } catch (err) {
          if (isTenantryError(err, 'FOREIGN_KEY_VIOLATION')) throw invalid('userId', 'not a member of this tenant');
          throw err;
        }
        await audit(tx, actor, 'node.grant', target.id, { userId }, clock);
      });
    },
    async revoke(scope, userId, actor) {
      await inTransaction(scope, async (tx) => {
        const { rows } = await unguardedQuery(tx).query<{ node_id: string }>(
          'DELETE FROM tenantry.tenant_node_grants WHERE tenant_id = $1 AND user_id = $2 RETURNING node_id', [tx.tenantId, userId]);
        if (rows[0]) await audit(tx, actor, 'node.revoke', rows[0].node_id, { userId }, clock);
      });
    },
    async grantOf(scope, userId) {
      const { rows } = await unguardedQuery(scope).query<{ node_id: string }>('SELECT node_id FROM tenantry.tenant_node_grants WHERE tenant_id = $1 AND user_id = $2', [scope.tenantId, userId]);
      return rows[0]?.node_id;
    },
    async addUsage(scope, node, metric, quantity) {
      if (!METRIC.test(metric)) throw invalid('metric', 'lower-case letters, digits, _ and .');
      if (!Number.isSafeInteger(quantity)) throw invalid('quantity', 'must be an integer');
      await unguardedQuery(scope).query(
        `INSERT INTO tenantry.tenant_node_usage (tenant_id, node_id, metric, quantity) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, node_id, metric) DO UPDATE SET quantity = tenantry.tenant_node_usage.quantity + excluded.quantity`,
        [scope.tenantId, (await read(scope, node)).id, metric, quantity],
      );
    },
    async usage(scope, node, metric) {
      const { rows } = await unguardedQuery(scope).query<{ total: string | null }>(
        `SELECT sum(u.quantity)::text AS total FROM tenantry.tenant_node_usage u JOIN tenantry.tenant_nodes n ON n.tenant_id = u.tenant_id AND n.id = u.node_id
          WHERE u.tenant_id = $1 AND u.metric = $3 AND n.path @> ARRAY[$2::uuid]`,
        [scope.tenantId, (await read(scope, node)).id, metric],
      );
      return Number(rows[0]?.total ?? 0);
    },
  });
}
