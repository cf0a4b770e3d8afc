// The API reference page: static HTML whose inline script lists the operations of
// /openapi.json. No CDN and no framework, so it works offline and needs no build step.

/** @example reply.type('text/html').send(API_DOCS_PAGE) */
export const API_DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Tenantry API reference</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
.op { border-top: 1px solid #ddd; padding: .5rem 0; }
.method { display: inline-block; min-width: 4.5rem; font-weight: 600; font-family: monospace; }
code, pre { font-family: ui-monospace, monospace; font-size: 13px; }
pre { background: #f6f6f6; padding: .5rem; overflow: auto; }
</style>
</head>
<body>
<h1>Tenantry API reference</h1>
<p>Generated from <a href="/openapi.json">/openapi.json</a>. Errors are <code>application/problem+json</code> with a stable <code>code</code>.</p>
<div id="ops">Loading…</div>
<script>
// textContent only: nothing from the document is ever parsed as HTML.
const el = (tag, text) => { const node = document.createElement(tag); if (text !== undefined) node.textContent = text; return node; };
fetch('/openapi.json').then((r) => r.json()).then((doc) => {
  const root = document.getElementById('ops');
  root.textContent = '';
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const [method, op] of Object.entries(item)) {
      const box = el('div'); box.className = 'op';
      const head = el('div'); const m = el('span', method.toUpperCase()); m.className = 'method';
      head.append(m, el('code', path), el('span', ' — ' + (op.summary || '')));
      box.append(head);
      const details = el('details'); details.append(el('summary', 'schemas'));
      details.append(el('pre', JSON.stringify({ parameters: op.parameters, requestBody: op.requestBody, responses: op.responses, security: op.security }, null, 2)));
      box.append(details); root.append(box);
    }
  }
}).catch((err) => { document.getElementById('ops').textContent = 'Could not load /openapi.json: ' + err; });
</script>
</body>
</html>
`;
