import { ApiProperty } from '@nestjs/swagger';

import { PageQueryDto } from '../../common/validation/page-query.dto';

export const INVOICE_PAGE_SIZE = 20;

/** `?cursor=&limit=`; `limit` defaults to INVOICE_PAGE_SIZE here. */
export class InvoiceQueryDto extends PageQueryDto {}

export class InvoiceDto {
  @ApiProperty({ example: 'in_1MtHbELkdIwHu7ixl4OzzPMv', description: "Stripe's invoice id" }) id!: string;
  @ApiProperty({ type: String, nullable: true, example: 'A1B2C3D4-0001' }) number!: string | null;
  @ApiProperty({ example: 'paid', description: "Stripe's: open, paid, uncollectible or void" })
  status!: string;
  @ApiProperty({ example: 1900, description: "In the currency's smallest unit" }) amountDue!: number;
  @ApiProperty({ example: 1900 }) amountPaid!: number;
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ example: '2026-11-30T12:00:00.000Z' }) created!: string;
  @ApiProperty({ type: String, nullable: true, description: "Stripe's page of the invoice (pay, receipt)" })
  hostedInvoiceUrl!: string | null;
  @ApiProperty({ type: String, nullable: true }) invoicePdf!: string | null;
}

export class InvoiceListDto {
  @ApiProperty({ type: [InvoiceDto] }) data!: InvoiceDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
