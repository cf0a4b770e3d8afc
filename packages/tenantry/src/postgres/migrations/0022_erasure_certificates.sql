-- Certificates of erasure (src/mobility, docs/mobility.md): what was deleted of a tenant, when,
-- which keys were shredded, and the SHA-256 of the certificate's canonical JSON, kept after the
-- tenant's audit log is gone so an operator can hand it to the customer. Operator records,
-- append-only (the same trigger style as operator_actions).
CREATE TABLE tenantry.erasure_certificates (
  subject_tenant uuid PRIMARY KEY,
  issued_at timestamptz NOT NULL,
  certificate jsonb NOT NULL CHECK (jsonb_typeof(certificate) = 'object'),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$')
);
CREATE TRIGGER erasure_certificates_append_only BEFORE UPDATE OR DELETE ON tenantry.erasure_certificates
  FOR EACH ROW EXECUTE FUNCTION tenantry.operator_actions_append_only();
CREATE TRIGGER erasure_certificates_no_truncate BEFORE TRUNCATE ON tenantry.erasure_certificates
  FOR EACH STATEMENT EXECUTE FUNCTION tenantry.operator_actions_append_only();

REVOKE ALL ON tenantry.erasure_certificates FROM PUBLIC;
GRANT SELECT, INSERT ON tenantry.erasure_certificates TO {{operator}};
-- Erasure removes the deleted tenant's operator-side rows too.
GRANT DELETE ON tenantry.retention_policies TO {{operator}};
