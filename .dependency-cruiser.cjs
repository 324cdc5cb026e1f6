/**
 * The layers of src/ (docs/design.md): config <- kernel (common, database) <- domain modules <- app
 * wiring (the files at the top of src/). `npm run lint:deps` checks these rules on the folder graph
 * (`collapse`) and scripts/check-layers.mjs adds the one a collapsed graph cannot express: no cycle
 * between folders.
 */
const KERNEL = '^src/(common|database)/';
const CONFIG = '^src/config/';
const DOMAIN = '^src/(?!common/|database/|config/)[^/]+/';

module.exports = {
  forbidden: [
    { name: 'config-is-the-bottom', severity: 'error', comment: 'config reads the environment and imports no other folder of src/',
      from: { path: CONFIG }, to: { path: '^src/', pathNot: CONFIG } },
    { name: 'kernel-imports-no-domain', severity: 'error', comment: 'common/ and database/ are the kernel: they import config and each other, never a domain module',
      from: { path: KERNEL }, to: { path: DOMAIN } },
    { name: 'nothing-imports-the-wiring', severity: 'error', comment: 'app.ts, app.module.ts and main.ts wire the modules; no module imports them',
      from: { path: '^src/[^/]+/' }, to: { path: '^src/[^/]+\\.ts$' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Every folder of src/ is one node.
    collapse: '^src/[^/]+/',
  },
};
