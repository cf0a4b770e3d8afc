// Branding input: colours are hex and normalized, the logo is an https URL of bounded length
// without credentials, the name a single line; anything else is BRANDING_INVALID naming the field.
import { describe, expect, it } from 'vitest';
import { parseBranding } from './tenant-branding.js';

describe('parseBranding', () => {
  it('normalizes colours and URLs, and unsets what is left out or null', () => {
    expect(parseBranding({ name: '  Acme  ', primaryColor: '#0A66C2', accentColor: '#fa0', logoUrl: 'https://cdn.acme.com/logo.svg', })).toEqual({
      name: 'Acme', primaryColor: '#0a66c2', accentColor: '#ffaa00', logoUrl: 'https://cdn.acme.com/logo.svg',
    });
    expect(parseBranding({ name: null })).toEqual({ name: null, primaryColor: null, accentColor: null, logoUrl: null });
  });

  it.each([
    [{ primaryColor: 'red' }, 'primaryColor'],
    [{ primaryColor: '#12345' }, 'primaryColor'],
    [{ accentColor: '#ggg' }, 'accentColor'],
    [{ accentColor: 0x123456 }, 'accentColor'],
    [{ logoUrl: 'http://cdn.acme.com/logo.png' }, 'logoUrl'],
    [{ logoUrl: 'javascript:alert(1)' }, 'logoUrl'],
    [{ logoUrl: 'data:image/png;base64,AAAA' }, 'logoUrl'],
    [{ logoUrl: 'https://user:pw@cdn.acme.com/logo.png' }, 'logoUrl'],
    [{ logoUrl: `https://cdn.acme.com/${'a'.repeat(2048)}` }, 'logoUrl'],
    [{ logoUrl: '/logo.png' }, 'logoUrl'],
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(201) }, 'name'],
    [{ name: 'Acme\nInc' }, 'name'],
    [{ favicon: 'https://x.example/f.ico' }, 'favicon'],
  ])('refuses %j naming %s', (input, field) => {
    let error: unknown;
    try {
      parseBranding(input);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'BRANDING_INVALID', details: { field } });
  });
});
