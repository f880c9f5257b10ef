import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { PaymentRequiredEvent } from '../../generated/prisma/client';

export interface PaymentRequiredRecord {
  accountId: string;
  code: string;
  feature: string;
  route: string;
  createdAt: Date;
}

@Injectable()
export class PaymentRequiredRepository {
  constructor(private readonly prisma: PrismaService) {}

  async insertMany(records: PaymentRequiredRecord[]): Promise<void> {
    await this.prisma.paymentRequiredEvent.createMany({ data: records });
  }

  recent(accountId: string, take: number): Promise<PaymentRequiredEvent[]> {
    return this.prisma.paymentRequiredEvent.findMany({
      where: { accountId },
      orderBy: { createdAt: 'desc' },
      take,
    });
  }
}
