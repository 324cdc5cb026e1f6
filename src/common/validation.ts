import { ArgumentMetadata, Injectable, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { registerDecorator, validateSync, ValidationOptions } from 'class-validator';
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

/** class-validator's options, the same for the global pipe and for validating by hand. */
const VALIDATOR_OPTIONS = { whitelist: true, forbidNonWhitelisted: true, validationError: { target: false, value: false }, stopAtFirstError: false } as const;

/** The global pipe: whitelist, forbid unknown fields, transform, and answer 400 VALIDATION_FAILED. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    ...VALIDATOR_OPTIONS,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => Problems.validation(flattenValidationErrors(errors)),
  });
}

/**
 * Validates a plain object as the global pipe would (400 VALIDATION_FAILED naming the fields),
 * synchronously (every validator here is synchronous). `deep: false` checks the DTO's own
 * decorators without class-transformer's copy of nested values: for a batch, whose items are
 * then validated one by one, each with its own result.
 */
export function validated<T extends object>(type: new () => T, body: object, deep = true): T {
  const dto = deep ? plainToInstance(type, body, { enableImplicitConversion: false }) : Object.assign(new type(), body);
  const errors = validateSync(dto, VALIDATOR_OPTIONS);
  if (errors.length) throw Problems.validation(flattenValidationErrors(errors));
  return dto;
}

/** How deep a request body may nest: far beyond any real body, far short of the stack. */
export const MAX_BODY_DEPTH = 32;

/** Keys that name an object's prototype machinery: never a field, refused like any unknown one. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Walks a parsed body without recursion: refuses nesting deeper than MAX_BODY_DEPTH, strings
 * that are not well-formed Unicode (a lone surrogate cannot be stored or rendered faithfully), and
 * the keys `__proto__`, `constructor` and `prototype` at any depth (JSON.parse keeps them as own
 * properties, which class-transformer would drop silently).
 */
export function bodyProblem(body: unknown): FieldError | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: body, path: 'body', depth: 0 }];
  while (stack.length) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return { field: path, message: 'is not well-formed Unicode (a lone surrogate)' };
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH) return { field: path, message: `nests deeper than ${MAX_BODY_DEPTH} levels` };
    if (Array.isArray(value)) value.forEach((v, i) => stack.push({ value: v, path: `${path}[${i}]`, depth: depth + 1 }));
    else {
      for (const [k, v] of Object.entries(value)) {
        if (LONE_SURROGATE.test(k)) return { field: path, message: 'has a field name that is not well-formed Unicode' };
        const field = path === 'body' ? k : `${path}.${k}`;
        if (FORBIDDEN_KEYS.has(k)) return { field, message: 'is not a known field' };
        stack.push({ value: v, path: field, depth: depth + 1 });
      }
    }
  }
  return null;
}

/** A copy without null-valued properties, at any depth: in a request, null means absent. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, withoutNulls(v)]),
    );
  }
  return value;
}

/**
 * Rejects a body that is not a JSON object (an array, a string, null), nests too deeply or holds
 * ill-formed Unicode, before validation sees it; and treats null in any field as absent (so an
 * optional field may be sent as null, as responses show it).
 */
@Injectable()
export class ObjectBodyPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata) {
    if (metadata.type !== 'body') return value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw Problems.field('body', 'must be a JSON object');
    }
    const problem = bodyProblem(value);
    if (problem) throw Problems.validation([problem]);
    return withoutNulls(value);
  }
}
