import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { PaymentRequiredEvent } from '../../generated/prisma/client';

export interface PaymentRequiredRecord {
  userId: string;
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

  recent(userId: string, take: number): Promise<PaymentRequiredEvent[]> {
    return this.prisma.paymentRequiredEvent.findMany({
      where: { userId },
      orderBy: { createdAt: 'desc' },
      take,
    });
  }
}
