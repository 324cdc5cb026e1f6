import { ownerOf, summarize } from '../bench/profile-summary';

// test/bench/profile-summary.ts reads the service's CPU profiles for test/bench/README.md.
describe('profile summary', () => {
  it.each([
    ['file:///app/node_modules/typeorm/query-builder/InsertQueryBuilder.js', 'f', 'typeorm'],
    ['file:///app/node_modules/@nestjs/core/router/router-proxy.js', 'f', '@nestjs/core'],
    ['node:internal/streams/writable', 'f', 'node:internal'],
    ['file:///app/dist/invoices/issuing.service.js', 'f', 'service:invoices'],
    ['', '(garbage collector)', '(garbage collector)'],
    ['', 'writeBuffer', '(native)'],
  ])('%s %s belongs to %s', (url, fn, owner) => expect(ownerOf(url, fn)).toBe(owner));

  it('sums self time by owner and by function', () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 3] },
        { id: 2, callFrame: { functionName: 'insert', url: 'file:///a/node_modules/typeorm/x.js', lineNumber: 9 } },
        { id: 3, callFrame: { functionName: 'issue', url: 'file:///a/dist/invoices/i.js', lineNumber: 0 } },
      ],
      samples: [2, 2, 2, 3],
      timeDeltas: [100, 100, 100, 100],
    };
    const text = summarize(profile, 5);
    expect(text).toContain('75.0 %  typeorm');
    expect(text).toContain('25.0 %  service:invoices');
    expect(text).toContain('75.0 %  insert typeorm:10');
  });
});
