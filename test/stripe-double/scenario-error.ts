/** A scenario driver was asked for something Stripe could not do in the object's current state. */
export class ScenarioError extends Error {
  override name = 'ScenarioError';
}
