import { settleUndo, undoUnlessSucceeded } from './undo-unless-succeeded';

describe('undoUnlessSucceeded', () => {
  it('undoes everything a request took when its response is an error', () => {
    const request = {};
    const undone: string[] = [];
    undoUnlessSucceeded(request, () => undone.push('quota'));
    undoUnlessSucceeded(request, () => undone.push('other quota'));
    settleUndo(request, 402);
    expect(undone).toEqual(['quota', 'other quota']);
  });

  it('keeps what a successful request took, and only the first settling decides', () => {
    const request = {};
    const undone: string[] = [];
    undoUnlessSucceeded(request, () => undone.push('quota'));
    settleUndo(request, 201);
    settleUndo(request, 500);
    expect(undone).toEqual([]);
  });

  it('undoes a request that failed before it could succeed, once', () => {
    const request = {};
    let undone = 0;
    undoUnlessSucceeded(request, () => undone++);
    settleUndo(request, 500);
    settleUndo(request, 500);
    expect(undone).toBe(1);
  });
});
