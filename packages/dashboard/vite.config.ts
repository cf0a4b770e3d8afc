// Vite build of the dashboard. The server serves the build under /dashboard/, so asset URLs
// carry that base; `npm run dev` proxies the API to a server on 127.0.0.1:3000 (`npm start`).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/dashboard/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: { proxy: { '/v1': 'http://127.0.0.1:3000' } },
});
