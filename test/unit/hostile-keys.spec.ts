import { bodyProblem } from '../../src/common/validation';

// Issue 11, item 13: `__proto__` and `constructor` keys in a body are refused like any unknown
// field (400 VALIDATION_FAILED naming it), at any depth, instead of being dropped silently.
describe('bodyProblem refuses prototype keys', () => {
  it.each([
    ['__proto__ at the top', '{"__proto__": {"admin": true}, "name": "x"}', '__proto__: is not a known field'],
    ['constructor at the top', '{"constructor": {"prototype": {"x": 1}}}', 'constructor: is not a known field'],
    ['__proto__ in a nested object', '{"buyer": {"name": "x", "__proto__": {"y": 1}}}', 'buyer.__proto__: is not a known field'],
    ['constructor in a list item', '{"lines": [{"amount": "1.00"}, {"constructor": "x"}]}', 'lines[1].constructor: is not a known field'],
    ['prototype deep down', '{"a": {"b": [{"c": {"prototype": 1}}]}}', 'a.b[0].c.prototype: is not a known field'],
  ])('%s', (_name, json, expected) => {
    const problem = bodyProblem(JSON.parse(json));
    expect(`${problem?.field}: ${problem?.message}`).toBe(expected);
  });

  it.each([
    ['a value that says __proto__', '{"name": "__proto__", "remarks": "constructor"}'],
    ['a key that merely contains the word', '{"constructorName": "x", "proto": 1}'],
  ])('%s is fine', (_name, json) => {
    expect(bodyProblem(JSON.parse(json))).toBeNull();
  });
});
