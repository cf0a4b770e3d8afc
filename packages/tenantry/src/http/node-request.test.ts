// The TenantRequest of a Node request: the path without its query, the Host header as sent,
// and headers by any case, repeated ones joined as Node joins the rest.
import { describe, expect, it } from 'vitest';
import { nodeTenantRequest } from './node-request.js';

describe('nodeTenantRequest', () => {
  it('reads the Host header, the path without its query and headers by any case', () => {
    const req = nodeTenantRequest({ host: 'acme.example.com:8443', 'x-tenant': 'acme' }, '/t/acme/orders?x-tenant=globex');
    expect(req.host).toBe('acme.example.com:8443');
    expect(req.path).toBe('/t/acme/orders');
    expect(req.header('X-Tenant')).toBe('acme');
    expect(req.header('authorization')).toBeUndefined();
  });

  it('joins a header Node kept as an array, so a repeated tenant header is seen as two values', () => {
    expect(nodeTenantRequest({ 'x-tenant': ['acme', 'globex'] }, '/').header('x-tenant')).toBe('acme, globex');
  });

  it('takes the HTTP/2 :authority when there is no Host header, and never X-Forwarded-Host', () => {
    expect(nodeTenantRequest({ ':authority': 'acme.example.com' }, '/').host).toBe('acme.example.com');
    expect(nodeTenantRequest({ 'x-forwarded-host': 'globex.example.com' }, '/').host).toBeUndefined();
  });
});
