import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import { IsString, ValidateNested, validateSync } from 'class-validator';
import { bodyProblem, flattenValidationErrors, IsMoney } from '../../src/common/validation';

class Line {
  @IsString() name: string;
  @IsMoney({ minFen: 0n }) amount: string;
}
class Body {
  @IsMoney() total: string;
  @ValidateNested({ each: true }) @Type(() => Line) lines: Line[];
}

describe('validation errors', () => {
  it('name nested fields with their path and refuse JSON numbers for money', () => {
    const body = plainToInstance(Body, {
      total: 12.5,
      lines: [
        { name: 'a', amount: '1.00' },
        { name: 3, amount: '-1.00' },
      ],
    });
    const errors = flattenValidationErrors(validateSync(body));
    expect(errors.map((e) => e.field).sort()).toEqual(['lines[1].amount', 'lines[1].name', 'total']);
    expect(errors.find((e) => e.field === 'total')!.message).toMatch(/^must be a money amount as a string/);
  });

  it.each([
    ['1.00', true],
    ['-1.00', false],
    ['0.00', true],
    [1, false],
    ['1', false],
  ])('IsMoney({minFen: 0}) on %j: %s', (value, ok) => {
    const line = plainToInstance(Line, { name: 'x', amount: value });
    expect(validateSync(line).length === 0).toBe(ok);
  });
});

describe('bodyProblem (depth and well-formed Unicode)', () => {
  const nested = (depth: number) => {
    let v: unknown = 'leaf';
    for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
    return { top: v };
  };
  it.each([
    ['a plain body', { a: 'x', b: [1, { c: '中文 😀' }] }, null],
    ['31 levels', nested(30), null],
    ['33 levels', nested(32), /nests deeper than 32/],
    ['10,000 levels, without recursion', nested(10_000), /nests deeper/],
    ['a lone high surrogate', { buyer: { name: 'x\ud800y' } }, /buyer\.name: is not well-formed/],
    ['a lone low surrogate in a list', { lines: [{ name: '\udc00' }] }, /lines\[0\]\.name/],
    ['surrogates in the wrong order', { remarks: '\udc00\ud800' }, /remarks/],
    ['a field name with a lone surrogate', { ['k\ud800']: 1 }, /field name/],
  ])('%s', (_name, body, expected) => {
    const problem = bodyProblem(body);
    if (expected === null) expect(problem).toBeNull();
    else expect(`${problem?.field}: ${problem?.message}`).toMatch(expected as RegExp);
  });
});
