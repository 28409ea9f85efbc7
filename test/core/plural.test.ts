import { plural } from '../../src/core/plural';

describe('plural', () => {
  it('uses the singular for exactly one and the plural otherwise', () => {
    expect(plural(1, 'topic')).toBe('1 topic');
    expect(plural(0, 'topic')).toBe('0 topics');
    expect(plural(2, 'inference call')).toBe('2 inference calls');
    expect(plural(1, 'query', 'queries')).toBe('1 query');
    expect(plural(3, 'query', 'queries')).toBe('3 queries');
  });
});
