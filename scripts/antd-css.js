#!/usr/bin/env node
/**
 * Writes Ant Design's styles for the console's theme (web/src/theme.json) as one CSS file, the
 * argument: every component rendered once on the server by @ant-design/static-style-extract, with
 * the map of style hashes that Ant Design's CSS-in-JS reads at start, so the browser uses these
 * rules instead of computing and inserting them (Ant Design's "whole export"; measured in
 * `npm run bench`, console section). Run by scripts/build-web.js with NODE_ENV=production: the
 * style hashes must be the production build's.
 */
const fs = require('node:fs');
const path = require('node:path');
const React = require('react');
const { ConfigProvider } = require('antd');
const { extractStyle } = require('@ant-design/static-style-extract');

const theme = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'web', 'src', 'theme.json'), 'utf8'));
const css = extractStyle((node) => React.createElement(ConfigProvider, { theme }, node));
if (!css.includes('data-ant-cssinjs-cache-path')) throw new Error('antd-css: the extracted styles carry no hash map');
fs.writeFileSync(process.argv[2], css);
