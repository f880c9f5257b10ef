import { allocate, CreditLotState, dueLots, spendOrder, UNEXPIRING } from './credit-lots';

const DAY = 24 * 3600 * 1000;
const T0 = Date.parse('2027-01-01T00:00:00Z');

function lot(id: string, remaining: number, expiresInDays: number, createdDaysAgo = 0): CreditLotState {
  return {
    id,
    remaining,
    expiresAt: new Date(T0 + expiresInDays * DAY),
    createdAt: new Date(T0 - createdDaysAgo * DAY),
  };
}

describe('spendOrder: which lot is spent first', () => {
  it('puts the soonest expiry first', () => {
    const lots = [lot('late', 5, 30), lot('soon', 5, 1), lot('middle', 5, 7)];
    expect(spendOrder(lots).map((each) => each.id)).toEqual(['soon', 'middle', 'late']);
  });

  it('of lots expiring together, the older first, then by id (a total order)', () => {
    const lots = [lot('b', 1, 3, 0), lot('newer', 1, 3, 1), lot('a', 1, 3, 0), lot('older', 1, 3, 2)];
    expect(spendOrder(lots).map((each) => each.id)).toEqual(['older', 'newer', 'a', 'b']);
  });

  it('leaves its input as it was', () => {
    const lots = [lot('late', 5, 30), lot('soon', 5, 1)];
    spendOrder(lots);
    expect(lots.map((each) => each.id)).toEqual(['late', 'soon']);
  });
});

describe('dueLots: lots whose expiry has come', () => {
  it('takes lots expiring at or before now, soonest first', () => {
    const lots = [lot('future', 1, 1), lot('now', 1, 0), lot('past', 1, -2)];
    expect(dueLots(lots, new Date(T0)).map((each) => each.id)).toEqual(['past', 'now']);
  });
});

describe('allocate: which credits a spend takes', () => {
  it('takes from lots, soonest expiry first, and from credits that never expire last', () => {
    const lots = [lot('late', 4, 30), lot('soon', 3, 1)];
    // balance 10: 7 in lots, 3 that never expire
    expect(allocate(5, 10, lots)).toEqual({
      fromLots: [
        { lotId: 'soon', credits: 3 },
        { lotId: 'late', credits: 2 },
      ],
      unexpiring: 0,
    });
    expect(allocate(9, 10, lots)).toEqual({
      fromLots: [
        { lotId: 'soon', credits: 3 },
        { lotId: 'late', credits: 4 },
      ],
      unexpiring: 2,
    });
  });

  it('without lots takes only credits that never expire', () => {
    expect(allocate(4, 10, [])).toEqual({ fromLots: [], unexpiring: 4 });
  });

  it('skips spent lots', () => {
    expect(allocate(2, 5, [lot('empty', 0, 1), lot('full', 3, 2)])).toEqual({
      fromLots: [{ lotId: 'full', credits: 2 }],
      unexpiring: 0,
    });
  });

  it('takes from a named lot first (a refund of that pack), then in spend order', () => {
    const lots = [lot('soon', 3, 1), lot('pack', 2, 30)];
    expect(allocate(4, 10, lots, 'pack')).toEqual({
      fromLots: [
        { lotId: 'pack', credits: 2 },
        { lotId: 'soon', credits: 2 },
      ],
      unexpiring: 0,
    });
  });

  it('takes from credits that never expire first when told (a refund of a pack without expiry)', () => {
    const lots = [lot('soon', 3, 1)];
    expect(allocate(4, 5, lots, UNEXPIRING)).toEqual({
      fromLots: [{ lotId: 'soon', credits: 2 }],
      unexpiring: 2,
    });
  });

  it('ignores a named lot that is not among the live ones', () => {
    expect(allocate(1, 5, [lot('soon', 3, 1)], 'gone')).toEqual({
      fromLots: [{ lotId: 'soon', credits: 1 }],
      unexpiring: 0,
    });
  });

  it('takes nothing for 0', () => {
    expect(allocate(0, 5, [lot('soon', 3, 1)])).toEqual({ fromLots: [], unexpiring: 0 });
  });

  it('refuses more than the balance, or lots that hold more than the balance', () => {
    expect(() => allocate(6, 5, [])).toThrow(RangeError);
    expect(() => allocate(1, 5, [lot('too-big', 6, 1)])).toThrow(RangeError);
    expect(() => allocate(-1, 5, [])).toThrow(RangeError);
  });
});
