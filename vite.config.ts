import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The server under development listens here; `vite dev` forwards the API and live socket to it. */
const devServer = 'http://localhost:8080';

// Absolute paths, so the build works from any working directory (tests build programmatically).
const webRoot = fileURLToPath(new URL('./web', import.meta.url));
const outDir = fileURLToPath(new URL('./web/dist', import.meta.url));

export default defineConfig({
  root: webRoot,
  // The panels are Preact views in TSX (ARCHITECTURE.md, "The web app"): Preact because it is the
  // smallest well-kept library with keyed lists that keep focus and typed text (~8 kB gzipped with
  // hooks and signals), its TSX is checked by tsc, and Vite's built-in transform compiles it here,
  // so no build plugin has to be installed (Solid needs a Babel plugin; lit-html is not type-checked).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir,
    emptyOutDir: true,
    // Two pages: the command-room map, and the officer's phone page (served at /officer).
    rollupOptions: { input: { map: `${webRoot}/index.html`, officer: `${webRoot}/officer.html` } },
  },
  server: {
    proxy: {
      // the live video's WebSocket first: it lives under /api too
      '/api/video': { target: devServer, ws: true },
      '/api': devServer,
      '/socket.io': { target: devServer, ws: true },
    },
  },
});
