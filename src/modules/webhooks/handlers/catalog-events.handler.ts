import { Injectable } from '@nestjs/common';
import Stripe from 'stripe';

import { CatalogSyncService } from '../../plans/catalog-sync.service';
import { StripeCatalogService } from '../../plans/stripe-catalog.service';
import { HandlerOutcome, WebhookHandler } from './webhook-handler';

/** Products and prices changed in the dashboard: re-read them from Stripe and follow. */
@Injectable()
export class CatalogEventsHandler implements WebhookHandler {
  readonly types = [
    'product.created',
    'product.updated',
    'product.deleted',
    'price.created',
    'price.updated',
    'price.deleted',
  ] as const;

  constructor(
    private readonly catalogSync: CatalogSyncService,
    private readonly stripeCatalog: StripeCatalogService,
  ) {}

  async handle(event: Stripe.Event): Promise<HandlerOutcome> {
    if (event.type.startsWith('product.')) {
      const product = event.data.object as Stripe.Product;
      const current =
        event.type === 'product.deleted'
          ? { ...product, active: false }
          : await this.stripeCatalog.retrieveProduct(product.id);
      return (await this.catalogSync.applyProduct(current)) ? 'processed' : 'ignored';
    }
    const price = event.data.object as Stripe.Price;
    const current =
      event.type === 'price.deleted'
        ? { ...price, active: false }
        : await this.stripeCatalog.retrievePrice(price.id);
    return (await this.catalogSync.applyPrice(current)) === 'ignored' ? 'ignored' : 'processed';
  }
}
