// The browser apps' money input and decimals (portal/shared/money.ts): amounts typed in major units become the minor
// units the money API takes, by each currency's own number of decimals.
import { expect } from 'chai';
import { currencyDigits, parseAmount } from '../../portal/shared/money.ts';

describe('Browser apps: typed money amounts', () => {
  it('knows each currency’s decimals from Intl: GBP 2, JPY 0, BHD 3', () => {
    expect([currencyDigits('GBP'), currencyDigits('JPY'), currencyDigits('BHD')]).to.deep.equal([2, 0, 3]);
  });

  it('reads a typed tip as minor units, refusing what is not an amount of that currency', () => {
    const cases: [string, string, number | null][] = [
      ['2.50', 'GBP', 250],
      ['2,5', 'GBP', 250],
      [' 3 ', 'GBP', 300],
      ['0.05', 'GBP', 5],
      ['300', 'JPY', 300],
      ['300.5', 'JPY', null],
      ['1.250', 'BHD', 1250],
      ['1.2505', 'BHD', null],
      ['2.505', 'GBP', null],
      ['-1', 'GBP', null],
      ['1e3', 'GBP', null],
      ['', 'GBP', null],
      ['£2', 'GBP', null],
    ];
    for (const [text, currency, minor] of cases) expect(parseAmount(text, currency), `${text} ${currency}`).to.equal(minor);
  });
});
