import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Two single-page apps, one build: /console (support) and /portal (customers), sharing one vendor chunk. */
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline scripts or data: URLs in scripts: the CP serves these pages with script-src 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: { console: 'console/index.html', portal: 'portal/index.html' },
      output: { manualChunks: (id) => (id.includes('node_modules') ? 'vendor' : id.includes('/src/shared/') ? 'shared' : undefined) },
    },
  },
});
