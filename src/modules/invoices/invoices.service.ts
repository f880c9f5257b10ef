import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { Invoice } from '../../generated/prisma/client';
import { decodeInvoiceCursor, encodeInvoiceCursor } from './invoice-cursor';
import { InvoiceDto, InvoiceListDto } from './invoices.dto';
import { InvoicesRepository } from './invoices.repository';

/** An account's invoices as kept from Stripe, for any of its members. */
@Injectable()
export class InvoicesService {
  constructor(private readonly invoices: InvoicesRepository) {}

  async list(accountId: string, cursor: string | undefined, limit: number): Promise<InvoiceListDto> {
    const after = cursor === undefined ? null : decodeInvoiceCursor(cursor);
    if (cursor !== undefined && !after) {
      throw DomainError.validation([{ field: 'cursor', message: 'cursor must be a nextCursor value' }]);
    }
    const rows = await this.invoices.page(accountId, after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map(toInvoiceDto),
      nextCursor:
        rows.length > limit && last
          ? encodeInvoiceCursor({ created: last.stripeCreatedAt, id: last.id })
          : null,
    };
  }
}

function toInvoiceDto(invoice: Invoice): InvoiceDto {
  return {
    id: invoice.id,
    number: invoice.number,
    status: invoice.status,
    amountDue: Number(invoice.amountDue),
    amountPaid: Number(invoice.amountPaid),
    currency: invoice.currency,
    created: invoice.stripeCreatedAt.toISOString(),
    hostedInvoiceUrl: invoice.hostedInvoiceUrl,
    invoicePdf: invoice.invoicePdf,
  };
}
