import type { ValidationError } from '@nestjs/common';

import type { FieldError } from '../errors/domain-error';

/** class-validator's tree of failures as the flat `errors` list of a validation problem, one per rule. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^property (\S+) should not exist$/, '$1 is not an accepted field'),
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}
