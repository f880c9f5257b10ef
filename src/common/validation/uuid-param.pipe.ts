import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';

import { DomainError } from '../errors/domain-error';

/** A malformed id is the caller's mistake (400), not a database error. */
@Injectable()
export class UuidParam implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    if (isUUID(value)) return value.toLowerCase();
    const field = metadata.data ?? 'id';
    throw DomainError.validation([{ field, message: `${field} must be a UUID` }]);
  }
}
