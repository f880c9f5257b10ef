/** Plan bodies for POST /v1/admin/plans, shared by the tests and the bench (no test framework here). */

export interface NewPrice {
  interval: string;
  amount: number;
  currency: string;
  credits?: number;
}

const PRO_PRICES: NewPrice[] = [
  { interval: 'month', amount: 1900, currency: 'usd' },
  { interval: 'year', amount: 19000, currency: 'usd' },
];

/** The Pro plan: reports and unlimited projects. */
export function proPlanBody(key: string, prices: NewPrice[] = PRO_PRICES) {
  return {
    key,
    name: 'Pro',
    description: 'Reports and unlimited projects',
    trialDays: 0,
    features: [
      { key: 'reports', limit: null },
      { key: 'projects', limit: null },
    ],
    prices,
  };
}
