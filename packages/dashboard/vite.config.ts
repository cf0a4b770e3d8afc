// Vite build of the dashboard. The server serves the build under /dashboard/, so asset URLs
// carry that base.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/dashboard/',
  build: { outDir: 'dist', emptyOutDir: true },
});
