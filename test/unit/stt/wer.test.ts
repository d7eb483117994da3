import t from 'tap';
import { alignWords, combineWer, normaliseWords, wordErrorRate } from '../../../src/core/stt/wer.js';

t.test('identical texts: no errors, whatever the case and punctuation', async (t) => {
  const r = wordErrorRate('Thank you for calling. How can I help?', 'thank you for calling how can i help');
  t.equal(r.rate, 0);
  t.equal(r.referenceWords, 8);
  t.same([r.substitutions, r.deletions, r.insertions], [0, 0, 0]);
});

t.test('one of each error, counted and aligned', async (t) => {
  // ref: i want a refund for my order   hyp: i want the refund my order please
  const r = wordErrorRate('I want a refund for my order', 'i want the refund my order please');
  t.equal(r.substitutions, 1, 'a -> the');
  t.equal(r.deletions, 1, 'for dropped');
  t.equal(r.insertions, 1, 'please added');
  t.equal(r.referenceWords, 7);
  t.equal(r.rate, 3 / 7);
  t.same(
    r.alignment.map((a) => a.op),
    ['ok', 'ok', 'sub', 'ok', 'del', 'ok', 'ok', 'ins'],
  );
});

t.test('the rate can pass 1 (insertions), and an empty reference is 0 or 1', async (t) => {
  t.equal(wordErrorRate('yes', 'yes yes yes').rate, 2);
  t.equal(wordErrorRate('hello', '').deletions, 1);
  t.equal(wordErrorRate('hello', '').rate, 1);
  t.equal(wordErrorRate('', '').rate, 0);
  t.equal(wordErrorRate('', 'noise').rate, 1);
  t.equal(wordErrorRate('', 'noise').insertions, 1);
});

t.test('minimum edit distance, not a greedy left-to-right match', async (t) => {
  // A greedy matcher pairs the first "a" and loses the rest.
  const r = alignWords(['b', 'a', 'c', 'a'], ['a', 'c', 'a']);
  t.equal(r.deletions, 1);
  t.equal(r.substitutions + r.insertions, 0);
  const swap = alignWords(['one', 'two'], ['two', 'one']);
  t.equal(swap.substitutions + swap.deletions + swap.insertions, 2);
});

t.test('numbers: digits and number words are the same, compared digit by digit', async (t) => {
  t.equal(wordErrorRate('my pin is 5', 'my pin is five').rate, 0);
  t.equal(wordErrorRate('account 4521', 'account four five two one').rate, 0);
  t.equal(wordErrorRate('account 4521', 'account four thousand five hundred twenty one').rate, 0);
  t.equal(wordErrorRate('it costs $25', 'it costs twenty-five').rate, 0);
  t.equal(wordErrorRate('call back at 10:30', 'call back at ten thirty').rate, 0);
  t.equal(wordErrorRate('room 105', 'room one oh five').rate, 0);
  t.equal(wordErrorRate('room 105', 'room one hundred and five').rate, 0);
  t.equal(wordErrorRate('in 2024', 'in twenty twenty four').rate, 0);
  t.equal(wordErrorRate('in 1990', 'in nineteen ninety').rate, 0);
  // One wrong digit is one error among the digits, not the whole number.
  const r = wordErrorRate('my account number is 4 5 2 1', 'my account number is four five two seven');
  t.equal(r.substitutions, 1);
  t.equal(r.referenceWords, 8);
  // "to" is not "two", "and" outside a number stays a word.
  t.equal(wordErrorRate('2', 'to').substitutions, 1);
  t.same(normaliseWords('rock and roll and five'), ['rock', 'and', 'roll', 'and', '5']);
  t.same(normaliseWords('hundreds of calls'), ['hundreds', 'of', 'calls']);
  t.same(normaliseWords('a hundred'), ['1', '0', '0']);
  t.same(normaliseWords('five thousand three thousand'), ['5', '0', '0', '0', '3', '0', '0', '0']);
  t.same(normaliseWords('one million two hundred thousand three hundred and four'), '1200304'.split(''));
});

t.test('recogniser markup and apostrophes', async (t) => {
  t.same(normaliseWords("<s> I'd like to(3) [NOISE] a refund(2) <sil> ++BREATH++ </s>"), ['id', 'like', 'to', 'a', 'refund']);
  t.equal(wordErrorRate("I don't know", 'i dont know').rate, 0);
  t.equal(wordErrorRate('Café', 'café').rate, 0, 'non-ASCII letters are kept as letters');
});

t.test('corpus-level combination weights by reference words', async (t) => {
  const a = wordErrorRate('one two three four', 'one two three four'); // 0 of 4
  const b = wordErrorRate('yes', 'no'); // 1 of 1
  const c = combineWer([a, b]);
  t.equal(c.rate, 1 / 5, 'not the mean of the rates (0.5)');
  t.equal(c.substitutions, 1);
  t.equal(combineWer([]).rate, 0);
});
