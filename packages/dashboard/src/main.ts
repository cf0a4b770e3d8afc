// Entry point of the dashboard: a placeholder page until the React app arrives.
// The dashboard talks to the HTTP API only; it never imports the library.
const root = document.querySelector<HTMLElement>('#app') ?? document.body;
root.textContent = 'Tenantry dashboard — coming soon';
