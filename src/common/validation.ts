import { ArgumentMetadata, Injectable, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { registerDecorator, ValidationOptions } from 'class-validator';
import { isMoneyString, MAX_MONEY_FEN, parseMoney } from './money';
import { FieldError, Problems } from './problem';

/**
 * A money amount: a decimal string with exactly two decimals ("7500000.00"), never a JSON
 * number, within ±MAX_MONEY_FEN and, when given, at least `minFen`.
 */
export function IsMoney(options: { minFen?: bigint; maxFen?: bigint } = {}, validation?: ValidationOptions): PropertyDecorator {
  const min = options.minFen ?? -MAX_MONEY_FEN;
  const max = options.maxFen ?? MAX_MONEY_FEN;
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isMoney',
      target: target.constructor,
      propertyName: propertyName as string,
      options: validation,
      validator: {
        validate(value: unknown) {
          if (!isMoneyString(value)) return false;
          const fen = parseMoney(value);
          return fen >= min && fen <= max;
        },
        defaultMessage() {
          const range = `from ${fmt(min)} to ${fmt(max)}`;
          return `must be a money amount as a string with exactly two decimals (e.g. "100.00"), ${range}`;
        },
      },
    });
}

const fmt = (fen: bigint) => {
  const s = (fen < 0n ? -fen : fen).toString().padStart(3, '0');
  return `${fen < 0n ? '-' : ''}${s.slice(0, -2)}.${s.slice(-2)}`;
};

/** Turns class-validator's tree into `[{ field: "lines[0].amount", message }]`. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = !parent ? error.property : /^\d+$/.test(error.property) ? `${parent}[${error.property}]` : `${parent}.${error.property}`;
    for (const [rule, message] of Object.entries(error.constraints ?? {})) {
      const text = message.startsWith(`${error.property} `) ? message.slice(error.property.length + 1) : message;
      out.push({ field, message: rule === 'whitelistValidation' ? 'is not a known field' : text });
    }
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

/** The global pipe: whitelist, forbid unknown fields, transform, and answer 400 VALIDATION_FAILED. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    stopAtFirstError: false,
    exceptionFactory: (errors) => Problems.validation(flattenValidationErrors(errors)),
  });
}

/** A copy without null-valued properties, at any depth: in a request, null means absent. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
  }
  return value;
}

/**
 * Rejects a body that is not a JSON object (an array, a string, null) before validation sees it,
 * and treats null in any field as absent (so an optional field may be sent as null, as
 * responses show it).
 */
@Injectable()
export class ObjectBodyPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata) {
    if (metadata.type !== 'body') return value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw Problems.field('body', 'must be a JSON object');
    }
    return withoutNulls(value);
  }
}
