#!/usr/bin/env python3
"""num_pairs.py - pairs of decimal texts and their order, for test_num.

Usage: num_pairs.py [COUNT] [SEED] > testdata/num-pairs.txt

Writes lines "A B C": two texts of sluice's decimal grammar and C, the
sign of A - B (-1, 0 or 1) by Python's decimal module.  The pairs are
made to be hard: long digit strings that differ in the last digit, the
same value written with leading zeros, trailing zeros after the point,
an exponent that moves the point, signs, the forms of zero.  Exponents
past what decimal takes (10^18) come from scaling: multiplying both
sides by one power of ten keeps their order, so a pair whose order is
known gets the same huge number added to both exponents.
"""
import decimal
import random
import sys

decimal.getcontext().prec = 400


def digits(rng, n):
    return ''.join(rng.choice('0123456789') for _ in range(n))


def spell(rng, sign, ds, point, exp):
    """The value sign 0.ds... placed with the point after `point` digits
    of ds, times 10^exp, written in some random way of the grammar."""
    intp, frac = ds[:point], ds[point:]
    if point < 0:
        intp, frac = '', '0' * -point + ds
    elif point > len(ds):
        intp, frac = ds + '0' * (point - len(ds)), ''
    text = intp
    if frac or rng.random() < 0.2:
        text += '.' + frac
        if rng.random() < 0.3:
            text += '0' * rng.randint(1, 5)        # trailing zeros
    if not intp and rng.random() < 0.5:
        text = '0' + text
    if rng.random() < 0.3:
        text = '0' * rng.randint(1, 4) + text      # leading zeros
    if text in ('', '.'):
        text = '0'
    if exp or rng.random() < 0.2:
        e = str(abs(exp))
        if rng.random() < 0.2:
            e = '0' * rng.randint(1, 3) + e
        text += rng.choice('eE') + ('-' if exp < 0 else
                                     rng.choice(['', '+'])) + e
    return ('-' if sign < 0 else rng.choice(['', '+'])) + text


def respell(rng, text):
    """The same value written otherwise: the point moved, the exponent
    changed to match."""
    d = decimal.Decimal(text)
    sign, ds, exp = d.as_tuple()
    ds = ''.join(map(str, ds)) or '0'
    if rng.random() < 0.5:
        ds += '0' * rng.randint(1, 3)
        exp -= len(ds) - len(''.join(map(str, d.as_tuple()[1])) or '0')
    point = rng.randint(-3, len(ds) + 3)
    # the value is ds * 10^exp = 0.ds * 10^(len + exp); written with the
    # point after `point` digits, the exponent is len + exp - point
    return spell(rng, -1 if sign else 1, ds, point, len(ds) + exp - point)


def near(rng):
    """Two numbers that agree but for the last digit, or not at all."""
    n = rng.choice([1, 2, 15, 16, 17, 18, 19, 20, 25, 40, 60])
    a = digits(rng, n).lstrip('0') or '1'
    last = int(a[-1])
    b = a[:-1] + str((last + rng.choice([1, -1])) % 10)
    sign = rng.choice([1, -1])
    point = rng.randint(0, len(a))
    exp = rng.choice([0, 0, 0, rng.randint(-30, 30)])
    return (spell(rng, sign, a, point, exp),
            spell(rng, rng.choice([sign, sign, -sign]), b, point, exp))


def zero(rng):
    return rng.choice(['0', '-0', '+0', '0.0', '-0.000', '.0', '0.', '00',
                       '0e0', '-0E-7', '0e99', '000.000e+5'])


def pair(rng):
    r = rng.random()
    if r < 0.35:
        return near(rng)
    if r < 0.6:
        a = near(rng)[0]
        return a, respell(rng, a)
    if r < 0.7:
        return zero(rng), rng.choice([zero(rng), near(rng)[0]])
    if r < 0.85:
        a, b = near(rng)
        return respell(rng, a), b
    n = rng.randint(1, 30)
    return (spell(rng, rng.choice([1, -1]), digits(rng, n) or '0',
                  rng.randint(0, n), rng.randint(-40, 40)),
            spell(rng, rng.choice([1, -1]), digits(rng, n) or '0',
                  rng.randint(0, n), rng.randint(-40, 40)))


def shift(text, by):
    """text with by added to its exponent (one is added if it has none)."""
    i = max(text.find('e'), text.find('E'))
    if i < 0:
        return text + 'e' + str(by)
    return text[:i + 1] + str(int(text[i + 1:]) + by)


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 160
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
    print('# made by tests/num_pairs.py %d: A B sign(A - B)' % count)
    for i in range(count):
        a, b = pair(rng)
        da, db = decimal.Decimal(a), decimal.Decimal(b)
        c = (da > db) - (da < db)
        if i % 8 == 7 and da != 0 and db != 0:
            by = rng.choice([1, -1]) * rng.randint(10**19, 10**30)
            a, b = shift(a, by), shift(b, by)
        print(a, b, c)


if __name__ == '__main__':
    main()
