// `npm run lint:deps`: reads dependency-cruiser's JSON for src/ (collapsed to one node per folder by
// .dependency-cruiser.cjs) on stdin, prints its rule violations, and adds the check it cannot make on
// a collapsed graph: no cycle between folders (docs/design.md, "Layers, one way"). Exit 1 on any.
import { text } from 'node:stream/consumers';

// Read stdin as a stream: Node 24.22's readFileSync(0) on a pipe whose writer is still writing
// corrupts its heap now and then ("free(): invalid next size", exit 134; CI stop 19).
const result = JSON.parse(await text(process.stdin));
const problems = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);

const folder = (p) => (p.match(/^src\/([^/]+)\//) ?? [])[1];
const edges = new Map();
for (const m of result.modules) {
  const from = folder(m.source);
  if (!from) continue;
  for (const d of m.dependencies) {
    const to = folder(d.resolved);
    if (to && to !== from) (edges.get(from) ?? edges.set(from, new Set()).get(from)).add(to);
  }
}
// Tarjan's strongly connected components: any component of more than one folder is a cycle.
let index = 0;
const stack = [], onStack = new Set(), idx = new Map(), low = new Map();
const visit = (v) => {
  idx.set(v, index); low.set(v, index); index++; stack.push(v); onStack.add(v);
  for (const w of edges.get(v) ?? []) {
    if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
    else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const component = [];
    let w;
    do { w = stack.pop(); onStack.delete(w); component.push(w); } while (w !== v);
    if (component.length > 1) problems.push(`no-folder-cycles: ${component.sort().join(', ')} import each other`);
  }
};
for (const v of edges.keys()) if (!idx.has(v)) visit(v);

const arrows = [...edges].flatMap(([f, ts]) => [...ts].map((t) => `${f} -> ${t}`)).sort();
if (process.argv.includes('--graph')) console.log(arrows.join('\n'));
if (problems.length) {
  console.error(`layers: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`layers: ${edges.size} folders, ${arrows.length} arrows, no violation, no cycle`);
