// The browser apps' one conversion between typed amounts and the APIs' minor units: exact, by currency digits.
import { expect } from 'chai';
import { formatMoney, minorDigits, moneyIn, toMajor, toMinor } from '../../portal/shared/money.ts';

describe('Money input (portal/shared/money.ts)', () => {
  it('knows each currency’s digits', () => {
    expect([minorDigits('GBP'), minorDigits('JPY'), minorDigits('BHD'), minorDigits('nope')]).to.deep.equal([2, 0, 3, 2]);
  });

  it('reads typed amounts exactly, where floats would not', () => {
    expect(toMinor('12.50', 'GBP')).to.equal(1250);
    expect(toMinor(' 12.5 ', 'GBP')).to.equal(1250);
    expect(toMinor('0.29', 'GBP')).to.equal(29); // 0.29 * 100 = 28.999999999999996
    expect(toMinor('1.005', 'BHD')).to.equal(1005);
    expect(toMinor('.5', 'GBP')).to.equal(50);
    expect(toMinor('12.', 'GBP')).to.equal(1200);
    expect(toMinor('1500', 'JPY')).to.equal(1500);
  });

  it('refuses what is not an amount of that currency', () => {
    for (const [typed, currency] of [
      ['', 'GBP'],
      ['.', 'GBP'],
      ['-1', 'GBP'],
      ['1,000', 'GBP'],
      ['12.505', 'GBP'],
      ['1.5', 'JPY'],
      ['1e3', 'GBP'],
      ['99999999999999999', 'GBP'],
    ]) {
      expect(toMinor(typed!, currency!), `${typed} ${currency}`).to.equal(undefined);
    }
  });

  it('writes minor units back as the input’s value', () => {
    expect(toMajor({ amount: 1250, currency: 'GBP' })).to.equal('12.50');
    expect(toMajor({ amount: 5, currency: 'GBP' })).to.equal('0.05');
    expect(toMajor({ amount: -5, currency: 'GBP' })).to.equal('-0.05');
    expect(toMajor({ amount: 1500, currency: 'JPY' })).to.equal('1500');
    expect(toMajor({ amount: 1005, currency: 'BHD' })).to.equal('1.005');
  });

  it('formats by the currency’s digits', () => {
    expect(formatMoney({ amount: 1250, currency: 'GBP' })).to.match(/12\.50/);
    expect(formatMoney({ amount: 1500, currency: 'JPY' }))
      .to.match(/1,500$/)
      .and.not.match(/\./);
    expect(moneyIn('BHD')(1005)).to.match(/1\.005/);
  });
});
