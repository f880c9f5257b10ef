import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { NoStore } from '../../common/http/no-store.decorator';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/identity';
import { INVOICE_PAGE_SIZE, InvoiceListDto, InvoiceQueryDto } from './invoices.dto';
import { InvoicesService } from './invoices.service';

@ApiTags('billing')
@Controller('v1/billing/invoices')
@Authenticated()
export class InvoicesController {
  constructor(private readonly invoices: InvoicesService) {}

  @Get()
  // Hosted invoice links open the invoice to whoever holds them: no cache may keep the list.
  @NoStore()
  @ApiOperation({ summary: "The acting account's invoices, newest first, 20 a page unless `limit` says" })
  @ApiOkResponse({ type: InvoiceListDto })
  @ApiProblems('validation_failed')
  list(@CurrentUser() user: AuthenticatedUser, @Query() query: InvoiceQueryDto): Promise<InvoiceListDto> {
    return this.invoices.list(user.account.id, query.cursor, query.limit ?? INVOICE_PAGE_SIZE);
  }
}
