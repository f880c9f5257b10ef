import { fetchAnswersEvent } from './sync-ticket';

describe('fetchAnswersEvent', () => {
  const receivedAt = new Date('2026-12-01T03:00:00.000Z');

  it('answers an event received before the fetch was sent', () => {
    expect(fetchAnswersEvent(new Date('2026-12-01T03:00:00.001Z'), receivedAt)).toBe(true);
  });

  it('does not answer an event received at the same millisecond or later', () => {
    expect(fetchAnswersEvent(new Date('2026-12-01T03:00:00.000Z'), receivedAt)).toBe(false);
    expect(fetchAnswersEvent(new Date('2026-12-01T02:59:59.999Z'), receivedAt)).toBe(false);
  });

  it('never answers without both times (a row from before the column, a call not from a webhook)', () => {
    expect(fetchAnswersEvent(null, receivedAt)).toBe(false);
    expect(fetchAnswersEvent(new Date('2026-12-01T03:00:01.000Z'), undefined)).toBe(false);
  });
});
