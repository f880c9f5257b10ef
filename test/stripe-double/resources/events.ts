import { noSuchResource } from '../api-error';
import { PAGINATION_PARAMS, paginate } from '../lists';
import { render } from '../render';
import type { ApiRequest, Route } from '../router';

/** `type` accepts a trailing wildcard: `customer.subscription.*`. */
function typeMatcher(pattern: string): (type: string) => boolean {
  if (!pattern.endsWith('*')) return (type) => type === pattern;
  const prefix = pattern.slice(0, -1);
  return (type) => type.startsWith(prefix);
}

function handleList({ params, operation: { store } }: ApiRequest) {
  params.rejectUnknown([...PAGINATION_PARAMS, 'delivery_success', 'type', 'types']);
  const type = params.string('type');
  const types = params.stringList('types');
  const matchesType = type ? typeMatcher(type) : undefined;
  const deliverySuccess = params.boolean('delivery_success');
  return paginate(params, store.events.newestFirst(), {
    url: '/v1/events',
    resourceName: 'event',
    render: (event) => render(store, event),
    matches: (event) =>
      (matchesType === undefined || matchesType(event.type)) &&
      (types === undefined || types.includes(event.type)) &&
      // Nothing is ever delivered by the double, so only "not delivered" matches a filter.
      (deliverySuccess === undefined || deliverySuccess === false),
  });
}

export const eventRoutes: Route[] = [
  { method: 'GET', path: '/v1/events', handler: handleList },
  {
    method: 'GET',
    path: '/v1/events/:id',
    handler: ({ pathParam, params, operation: { store } }) => {
      params.rejectUnknown([]);
      const event = store.events.get(pathParam('id'));
      if (!event) throw noSuchResource('event', pathParam('id'), 'id', 'path');
      return render(store, event);
    },
  },
];
