import { statementNames } from './statement-names';

describe('statementNames', () => {
  it('gives one text the same name every time, and another text another name', () => {
    const nameOf = statementNames(10);
    const first = nameOf({ sql: 'SELECT 1' });
    expect(first).not.toBe('');
    expect(nameOf({ sql: 'SELECT 1' })).toBe(first);
    expect(nameOf({ sql: 'SELECT 2' })).not.toBe(first);
  });

  it('leaves texts past the cap unnamed, and keeps naming the ones it named', () => {
    const nameOf = statementNames(2);
    const named = [nameOf({ sql: 'a' }), nameOf({ sql: 'b' })];
    expect(nameOf({ sql: 'c' })).toBe('');
    expect(nameOf({ sql: 'c' })).toBe('');
    expect([nameOf({ sql: 'a' }), nameOf({ sql: 'b' })]).toEqual(named);
  });
});
