import { expect, it } from 'vitest';

it('does nothing', () => {
  expect(1).toBe(1);
});
