#!/usr/bin/env node
/**
 * Builds the console (web/ -> web/dist) with Vite, only when its inputs changed: a SHA-256 of the
 * console's sources, its config, the build scripts and the locked dependency versions is kept in web/dist/.build-stamp,
 * so a second `npm start` does not rebuild. `--force` rebuilds anyway.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const web = path.join(root, 'web');
const dist = path.join(web, 'dist');
const stampFile = path.join(dist, '.build-stamp');

function files(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(p));
    else if (!/\.test\.tsx?$/.test(entry.name)) out.push(p);
  }
  return out;
}

function stamp() {
  const hash = crypto.createHash('sha256');
  const inputs = [
    ...files(path.join(web, 'src')),
    path.join(web, 'index.html'),
    path.join(web, 'vite.config.ts'),
    path.join(web, 'tsconfig.json'),
    __filename,
  ].sort();
  for (const f of inputs) {
    hash.update(path.relative(root, f));
    hash.update('\0');
    hash.update(fs.readFileSync(f));
    hash.update('\0');
  }
  // The versions of what ends up in the bundle (not the whole lock: a service-only dependency
  // change does not rebuild the console).
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  const pkgs = lock.packages ?? {};
  for (const name of Object.keys(pkgs)
    .filter((k) => /node_modules\/(react|react-dom|antd|@ant-design\/|@tanstack\/|react-router|openapi-fetch|vite|@vitejs\/|dayjs|rc-)/.test(k))
    .sort()) {
    hash.update(`${name}@${pkgs[name].version}\n`);
  }
  return hash.digest('hex');
}

const want = stamp();
const force = process.argv.includes('--force');
if (!force && fs.existsSync(path.join(dist, 'index.html')) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8').trim() === want) {
  console.log('console: web/dist is up to date (no rebuild)');
  process.exit(0);
}
console.log('console: building web/dist with Vite ...');
const vite = path.join(path.dirname(require.resolve('vite/package.json', { paths: [root] })), 'bin', 'vite.js');
const result = spawnSync(process.execPath, [vite, 'build', '--config', path.join(web, 'vite.config.ts'), '--logLevel', 'warn'], {
  cwd: root,
  stdio: 'inherit',
});
if (result.status !== 0) process.exit(result.status ?? 1);
// Ant Design's styles baked for the theme (scripts/antd-css.js), linked before the console's own.
const antdCss = path.join(dist, 'assets', 'antd.css');
const baked = spawnSync(process.execPath, [path.join(__dirname, 'antd-css.js'), antdCss], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'production' },
});
if (baked.status !== 0) process.exit(baked.status ?? 1);
const antdName = `antd-${crypto.createHash('sha256').update(fs.readFileSync(antdCss)).digest('hex').slice(0, 10)}.css`;
fs.renameSync(antdCss, path.join(dist, 'assets', antdName));
const indexHtml = path.join(dist, 'index.html');
fs.writeFileSync(indexHtml, fs.readFileSync(indexHtml, 'utf8').replace(/(\s*)<script /, `$1<link rel="stylesheet" href="/assets/${antdName}" />$1<script `));
// Brotli and gzip copies of the hashed assets, made once here, served by the service to browsers
// that accept them (express-static-gzip in src/console.ts): 1.2 MB of JavaScript travels as 0.3 MB.
const zlib = require('node:zlib');
const assets = path.join(dist, 'assets');
for (const name of fs.readdirSync(assets).filter((n) => /\.(js|css|svg|json)$/.test(n))) {
  const file = path.join(assets, name);
  const body = fs.readFileSync(file);
  fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }));
  fs.writeFileSync(`${file}.gz`, zlib.gzipSync(body, { level: 9 }));
}
fs.writeFileSync(stampFile, want + '\n');
console.log('console: built web/dist');
