-- Whether a user is a member of a tenant, readable whatever the tenant's status. A correctly
-- signed JWT naming a suspended, offboarding or provisioning tenant tells its member why they
-- are refused (TENANT_SUSPENDED …), but a non-member must get what a tenant that does not exist
-- answers, or any valid token could probe which tenants exist and are suspended. The tenant
-- gate refuses non-active tenants, so the app role cannot read that membership: the operator
-- role may read the two key columns, and only under the table's row-level policy (the tenant
-- set in its own transaction), like every operator read of tenant data.
GRANT SELECT (tenant_id, user_id) ON tenantry.members TO {{operator}};
