import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Every setting the service reads (src/config/config.ts, the only reader of process.env) is
 * documented twice for newcomers: in the README's configuration table and in .env.example. A
 * variable added to the code and forgotten in either fails here.
 */
const root = path.resolve(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

function variablesReadByConfig(): string[] {
  const source = read('src/config/config.ts');
  const names = new Set<string>();
  for (const m of source.matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)) names.add(m[1]);
  for (const m of source.matchAll(/\(env, '([A-Z][A-Z0-9_]+)'/g)) names.add(m[1]);
  for (const m of source.matchAll(/\benv\['([A-Z][A-Z0-9_]+)'\]/g)) names.add(m[1]);
  return [...names].sort();
}

describe('configuration documentation', () => {
  const variables = variablesReadByConfig();

  it('finds the settings the code reads', () => {
    expect(variables).toEqual(expect.arrayContaining(['PORT', 'DATABASE_URL', 'CACHE_SECONDS', 'LOGIN_MAX_FAILURES']));
  });

  it('lists every setting in the README configuration table', () => {
    const table = new Set([...read('README.md').matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
    expect(variables.filter((v) => !table.has(v))).toEqual([]);
  });

  it('lists every setting in .env.example', () => {
    const example = new Set([...read('.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect(variables.filter((v) => !example.has(v))).toEqual([]);
  });
});
