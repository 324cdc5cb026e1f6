/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The console is served by the service itself from web/dist (see README "The console").
// `npm run dev:web` is not needed: build it and start the service, or run `vite` with
// CONSOLE_API pointing at a running service for quick UI work.
export default defineConfig({
  root: __dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: { '/v1': process.env.CONSOLE_API ?? 'http://127.0.0.1:3000' },
  },
  test: {
    root: __dirname,
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
