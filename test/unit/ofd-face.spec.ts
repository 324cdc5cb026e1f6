import { fitText, wrapText } from '../../src/rendering/face';
import { faceFont } from '../../src/rendering/font';

// How the face fits long values (src/rendering/face.ts): item names wrap, party names shrink, then
// wrap over up to three rows; only what does not fit even then is cut with … (the index reads what
// the face shows; the XML data file carries every value whole).
const font = faceFont();
const FIT = { minSize: 2.4, maxRows: 3 };
/** The party name's box at the layout's sizes: 75.5 mm beside the label 名称：. */
const BOX = 75.5;
const cjk = (n: number) => '某'.repeat(n);

describe('wrapText', () => {
  it.each([
    ['fits on one row', cjk(10), 30, 3, Infinity, [cjk(10)]],
    ['breaks at the width, keeping every character', cjk(25), 30, 3, Infinity, [cjk(10), cjk(10), cjk(5)]],
    ['keeps the paragraphs of a multi-line text', `${cjk(3)}\n${cjk(2)}`, 30, 3, Infinity, [cjk(3), cjk(2)]],
    ['cuts the last allowed row with …', cjk(25), 30, 3, 2, [cjk(10), `${cjk(9)}…`]],
    ['an empty text is one empty row', '', 30, 3, Infinity, ['']],
  ])('%s', (_label, text, width, size, maxLines, expected) => {
    const rows = wrapText(font, text, width, size, maxLines);
    expect(rows).toEqual(expected);
    for (const row of rows) expect(font.width(row, size)).toBeLessThanOrEqual(width + 1e-9);
  });
});

describe('fitText (party names)', () => {
  it.each([
    ['a short name: one row at the value size', 12, 1, 3],
    ['25 characters still fit one row at 3 mm', 25, 1, 3],
    ['28 characters: one row, smaller', 28, 1, 2.6],
    ['31 characters: one row at the smallest size', 31, 1, 2.4],
    ['40 characters: two rows at the value size', 40, 2, 3],
    ['60 characters: two rows, smaller', 60, 2, 2.5],
    ['90 characters: three rows', 90, 3, 2.5],
    ['93 characters: three rows at the smallest size', 93, 3, 2.4],
  ])('%s', (_label, length, rows, size) => {
    const fit = fitText(font, cjk(length), BOX, 3, FIT);
    expect([fit.rows.length, fit.size]).toEqual([rows, size]);
    expect(fit.rows.join('')).toBe(cjk(length)); // nothing cut
    for (const row of fit.rows) expect(font.width(row, fit.size)).toBeLessThanOrEqual(BOX + 1e-9);
  });

  it('cuts only a name longer than three rows at the smallest size, ending it with …', () => {
    const fit = fitText(font, cjk(120), BOX, 3, FIT);
    expect(fit.size).toBe(2.4);
    expect(fit.rows).toHaveLength(3);
    expect(fit.rows[2].endsWith('…')).toBe(true);
    expect(cjk(120).startsWith(fit.rows.join('').slice(0, -1))).toBe(true);
  });
});
