import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import { IsString, ValidateNested, validateSync } from 'class-validator';
import { flattenValidationErrors, IsMoney } from '../../src/common/validation';

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
    const body = plainToInstance(Body, { total: 12.5, lines: [{ name: 'a', amount: '1.00' }, { name: 3, amount: '-1.00' }] });
    const errors = flattenValidationErrors(validateSync(body));
    expect(errors.map((e) => e.field).sort()).toEqual(['lines[1].amount', 'lines[1].name', 'total']);
    expect(errors.find((e) => e.field === 'total')!.message).toMatch(/^must be a money amount as a string/);
  });

  it.each([['1.00', true], ['-1.00', false], ['0.00', true], [1, false], ['1', false]])('IsMoney({minFen: 0}) on %j: %s', (value, ok) => {
    const line = plainToInstance(Line, { name: 'x', amount: value });
    expect(validateSync(line).length === 0).toBe(ok);
  });
});
