import { isValidUscc, usccCheckCharacter, usccProblem } from '../../src/taxpayers/uscc';

// GB 32100-2015: 18 characters, check character over the first 17 with weights 3^i mod 31.
describe('unified social credit code', () => {
  it.each([
    // Real, published codes.
    ['91110108551385082Q'],
    ['91310000MA1FL4B24G'],
    ['911100001000069620'.slice(0, 17) + usccCheckCharacter('91110000100006962')],
    // Check characters that are letters and zero.
    ['91220101MA00000000'],
  ])('accepts %s', (code) => {
    expect(usccProblem(code)).toBeNull();
    expect(isValidUscc(code)).toBe(true);
  });

  it.each([
    ['91220101MA0000000X', /check character is X, expected 0/],
    ['91410100MA0000000Y', /expected T/],
    ['91110108551385082R', /expected Q/],
    ['91110108551385082', /18 characters/],
    ['91110108551385082QQ', /18 characters/],
    ['91110108551385082q', /capital letters/],
    ['9111010855138508IQ', /other than I, O, Z, S, V/],
    ['91A10108551385082Q', /digits in positions 3-8/],
    ['', /18 characters/],
  ])('rejects %j', (code, why) => {
    expect(usccProblem(code)).toMatch(why);
  });

  it('detects every single-character substitution in a valid code', () => {
    const valid = '91310000MA1FL4B24G';
    const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
    for (let i = 0; i < 18; i++) {
      for (const c of alphabet) {
        if (c === valid[i]) continue;
        const changed = valid.slice(0, i) + c + valid.slice(i + 1);
        expect(isValidUscc(changed)).toBe(false);
      }
    }
  });
});
