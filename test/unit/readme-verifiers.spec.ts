import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { signatureHeader } from '../../src/webhooks/signature';

// The README shows receivers how to verify `Einvoice-Signature` in Node and in Python (issue 16).
// Both examples are taken from the README as written and run here: a signed delivery (the
// service's own signing, a UTF-8 body, two secrets during a rotation) verifies; a wrong secret,
// an old timestamp and every malformed header answer false, never an exception.

const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
const section = readme.slice(readme.indexOf('A receiver verifies against the raw body'));
const block = (lang: string) => {
  const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)\\n\\s*```').exec(section);
  if (!match) throw new Error(`no ${lang} block after "A receiver verifies against the raw body" in README.md`);
  return match[1].replace(/^ {2}/gm, ''); // the README indents the blocks under a list item
};

type Verify = (header: string, rawBody: string, secret: string) => boolean;
const nodeVerify = new Function('require', `${block('js')}\nreturn verify;`)(require) as Verify;

interface Case {
  header: string;
  body: string;
  secret: string;
}

/** Runs the README's Python `verify` on each case: true / false, or the exception it raised. */
function pythonVerify(cases: Case[]): (boolean | string)[] {
  const harness = `${block('python')}

import json, sys
out = []
for c in json.load(sys.stdin):
    try:
        out.append(verify(c['header'], c['body'].encode('utf-8'), c['secret']))
    except Exception as e:
        out.append('raised ' + type(e).__name__ + ': ' + str(e))
print(json.dumps(out))
`;
  const run = spawnSync('python3', ['-c', harness], { input: JSON.stringify(cases), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const SECRET = 'whsec_5f0c1d2e3a4b5c6d7e8f9a0b1c2d3e4f';
const OLD_SECRET = 'whsec_0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const BODY = JSON.stringify({
  id: 'evt_018c2f0a1b2c000001a1b2c3d4',
  type: 'invoice.issued',
  createdAt: '2023-07-20T09:00:00+08:00',
  taxId: '91220101MA0000001X',
  data: { number: '23220000000000000001', buyer: { name: '郑州花园科技有限公司' }, total: '1060.00' },
});
const now = () => Math.floor(Date.now() / 1000);
const v1 = (secret: string, t: string, body = BODY) => createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');

describe("the README's receiver examples", () => {
  const t = String(now());
  const good = signatureHeader([SECRET, OLD_SECRET], now(), BODY);

  const cases: [string, Case, boolean][] = [
    ['a delivery signed with the secret', { header: signatureHeader([SECRET], now(), BODY), body: BODY, secret: SECRET }, true],
    ['a delivery during a rotation, checked with the new secret', { header: good, body: BODY, secret: SECRET }, true],
    ['a delivery during a rotation, checked with the old secret', { header: good, body: BODY, secret: OLD_SECRET }, true],
    ['another secret', { header: good, body: BODY, secret: 'whsec_other' }, false],
    ['a changed body', { header: good, body: BODY.replace('1060.00', '9060.00'), secret: SECRET }, false],
    ['a timestamp older than 5 minutes', { header: `t=${now() - 301},v1=${v1(SECRET, String(now() - 301))}`, body: BODY, secret: SECRET }, false],
    ['a non-numeric t, even with a matching HMAC over it', { header: `t=abc,v1=${v1(SECRET, 'abc')}`, body: BODY, secret: SECRET }, false],
    ['t in exponent form', { header: `t=1e9,v1=${v1(SECRET, '1e9')}`, body: BODY, secret: SECRET }, false],
    ['an empty t', { header: `t=,v1=${v1(SECRET, '')}`, body: BODY, secret: SECRET }, false],
    ['no t', { header: `v1=${v1(SECRET, t)}`, body: BODY, secret: SECRET }, false],
    ['parts without "="', { header: `t=${t},v1,garbage`, body: BODY, secret: SECRET }, false],
    ['only garbage', { header: 'garbage', body: BODY, secret: SECRET }, false],
    ['an empty header', { header: '', body: BODY, secret: SECRET }, false],
    ['a non-ASCII signature', { header: `t=${t},v1=${'é'.repeat(64)}`, body: BODY, secret: SECRET }, false],
    ['a non-ASCII t', { header: `t=١٢٣,v1=${v1(SECRET, '١٢٣')}`, body: BODY, secret: SECRET }, false],
    ['a v1 that is not hex', { header: `t=${t},v1=${'z'.repeat(64)}`, body: BODY, secret: SECRET }, false],
    ['a short v1', { header: `t=${t},v1=${v1(SECRET, t).slice(0, 10)}`, body: BODY, secret: SECRET }, false],
  ];

  it.each(cases)('Node: %s', (_label, c, expected) => {
    expect(nodeVerify(c.header, c.body, c.secret)).toBe(expected);
  });

  it('Python: the same cases, each answered true or false without raising', () => {
    expect(pythonVerify(cases.map(([, c]) => c))).toEqual(cases.map(([, , expected]) => expected));
  });
});
