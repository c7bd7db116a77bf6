#!/usr/bin/env python3
"""numtable.py - tables of numbers that doubles cannot tell apart, and
what sluice must make of them, by Python's decimal module.

Usage:
  numtable.py gen SEED ROWS VERB...   in.csv and, for the cases of the
                                      verbs (sort, top, filter) listed in
                                      "cases" (sluice arguments and a
                                      file, tab-separated), that file
                                      with what sluice must write
  numtable.py stats FILE PLAIN GROUPED
                                      check PLAIN and GROUPED, sluice
                                      stats -f v,n -a min,max,sum,mean,p50
                                      of FILE without and with -g k

The table has columns id (the row number), k (a group key), v (numbers,
strings, empty values), n and m (numbers only, m close to n).  Numbers
are integers of 19 to 40 digits that differ in their last digits,
decimals of up to 30 places, the same values spelled with leading zeros,
trailing zeros or an exponent, signs and the forms of zero.  Every sum
stays within what sluice adds exactly (76 digits with its decimals).
Numbers order by value (the sort documentation: non-numbers first, in
byte order, and a stable sort); min, max and the quantiles of stats by
value, then by their bytes, and print the input's text.  The filters
compare n and m with each other and with literals taken from the table.
"""
import csv
import decimal
import math
import random
import re
import sys

NUM = re.compile(r'^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$')
decimal.getcontext().prec = 200
D = decimal.Decimal


def spellings(rng, text):
    """text, or the same value written otherwise."""
    d = D(text)
    r = rng.random()
    if r < 0.5:
        return text
    sign = '-' if d < 0 else ''
    t = format(abs(d), 'f')
    if r < 0.65:
        return sign + '00' + t
    if r < 0.8:
        return sign + t + ('' if '.' in t else '.') + '000'
    # d1.d2d3...e+N
    _, ds, exp = abs(d).as_tuple()
    ds = ''.join(map(str, ds))
    if ds.strip('0') == '':
        return sign + '0e' + str(rng.randint(0, 9))
    e = len(ds) - 1 + exp
    return sign + ds[0] + ('.' + ds[1:] if len(ds) > 1 else '') + \
        rng.choice('eE') + ('+' if e >= 0 else '') + str(e)


def anchors(rng):
    out = []
    for _ in range(6):
        n = rng.randint(19, 40)
        out.append(rng.randint(10**(n - 1), 10**n - 1))
    return out


def number(rng, base):
    r = rng.random()
    if r < 0.55:
        v = str(rng.choice(base) + rng.randint(-3, 3))
    elif r < 0.8:
        places = rng.randint(1, 30)
        v = str(D(rng.choice(base) % 10**rng.randint(1, 20) +
                  rng.randint(-2, 2)).scaleb(-places))
    elif r < 0.9:
        v = rng.choice(['0', '-0', '0.0', '1', '1.50', '1.5', '007',
                        '9007199254740993', '9007199254740992',
                        '0.1000000000000000055511151231257827',
                        '0.1000000000000000055511151231257828'])
    else:
        v = str(rng.randint(1, 999)) + 'e' + str(rng.randint(-20, 20))
    if rng.random() < 0.3 and not v.startswith('-'):
        v = '-' + v
    return spellings(rng, v)


def table(rng, rows):
    base = anchors(rng)
    out = [['id', 'k', 'v', 'n', 'm']]
    for i in range(1, rows + 1):
        r = rng.random()
        if r < 0.08:
            v = ''
        elif r < 0.16:
            v = rng.choice(['abc', 'x1', '1e', '12a', '-', 'NaN', ' 5'])
        else:
            v = number(rng, base)
        n = number(rng, base)
        m = str(D(n) + rng.choice([-1, 0, 0, 1]))
        out.append([str(i), rng.choice('abc'), v, n, m])
    return out


def numeric_key(text):
    if NUM.match(text):
        return (1, D(text), b'')
    return (0, 0, text.encode())


def save(path, rows):
    with open(path, 'w', newline='') as f:
        csv.writer(f, lineterminator='\n').writerows(rows)


def sort(head, body, field, rev):
    i = head.index(field)
    return [head] + sorted(body, key=lambda r: numeric_key(r[i]),
                           reverse=rev)


def top(head, body, field, n, rev):
    # greatest first (least with r), ties to the earlier record
    return sort(head, body, field, not rev)[:n + 1]


OPS = {'==': lambda x, y: x == y, '!=': lambda x, y: x != y,
       '<': lambda x, y: x < y, '<=': lambda x, y: x <= y,
       '>': lambda x, y: x > y, '>=': lambda x, y: x >= y}


def filt(head, body, a, op, b):
    def val(tok, r):
        return D(r[head.index(tok)]) if tok in head else D(tok)
    return [head] + [r for r in body if OPS[op](val(a, r), val(b, r))]


def gen(seed, rows, verbs):
    rng = random.Random(seed)
    t = table(rng, rows)
    save('in.csv', t)
    head, body = t[0], t[1:]
    cases = []

    def case(args, rows):
        if args[0] not in verbs:
            return
        name = 'want%d.csv' % len(cases)
        save(name, rows)
        cases.append(args + [name])
    for f in ['v', 'n']:
        for flags in ['n', 'nr']:
            case(['sort', '-k', f + ':' + flags],
                 sort(head, body, f, flags == 'nr'))
            case(['sort', '-m', '512K', '--chunk-size', '4K', '-k',
                  f + ':' + flags], sort(head, body, f, flags == 'nr'))
            case(['top', '-n', '40', '-k', f + ':' + flags],
                 top(head, body, f, 40, flags == 'nr'))
    for op in OPS:
        case(['filter', 'n %s m' % op], filt(head, body, 'n', op, 'm'))
        lit = rng.choice(body)[3]
        lit = lit.lstrip('+')
        if lit.startswith('-'):          # a literal, negated
            case(['filter', 'n %s %s' % (op, lit)],
                 filt(head, body, 'n', op, lit))
        else:
            case(['filter', '%s %s n' % (lit, op)],
                 filt(head, body, lit, op, 'n'))
            case(['filter', 'n %s "%s"' % (op, lit)],
                 filt(head, body, 'n', op, lit))
    with open('cases', 'w') as f:
        for c in cases:
            f.write('\t'.join(c) + '\n')


def fail(msg):
    sys.exit('numtable.py: ' + msg)


def read(path):
    rows = list(csv.reader(open(path, newline='')))
    return rows[0], rows[1:]


def value_key(text):
    return (D(text), text.encode())


def check_field(label, values, got):
    nums = sorted((v for v in values if v and NUM.match(v)), key=value_key)
    strs = [v for v in values if v and not NUM.match(v)]
    if nums:
        want_min = nums[0]
    else:
        want_min = min(strs, key=str.encode) if strs else ''
    if strs:
        want_max = max(strs, key=str.encode)
    else:
        want_max = nums[-1] if nums else ''
    if got['min'] != want_min or got['max'] != want_max:
        fail('%s: min, max %r %r, want %r %r' % (label, got['min'],
             got['max'], want_min, want_max))
    if not nums:
        return
    total = sum(D(v) for v in nums)
    if D(got['sum']) != total:
        fail('%s: sum %s, want %s' % (label, got['sum'], total))
    if '.' in got['sum'] and got['sum'].endswith('0'):
        fail('%s: sum %s has trailing zeros' % (label, got['sum']))
    mean = float(total / len(nums))
    if float(got['mean']) != mean:
        fail('%s: mean %s, want %r' % (label, got['mean'], mean))
    p50 = nums[max(1, math.ceil(0.5 * len(nums))) - 1]
    if got['p50'] != p50:
        fail('%s: p50 %s, want %s' % (label, got['p50'], p50))


def stats(path, gotpath, key):
    head, body = read(path)
    out = list(csv.DictReader(open(gotpath, newline='')))
    aggs = ['min', 'max', 'sum', 'mean', 'p50']
    if key is None:
        if [r['field'] for r in out] != ['v', 'n']:
            fail('fields %r' % [r['field'] for r in out])
        for r in out:
            i = head.index(r['field'])
            check_field(r['field'], [row[i] for row in body], r)
        return
    ki = head.index(key)
    groups = sorted(set(row[ki] for row in body), key=str.encode)
    if [r[key] for r in out] != groups:
        fail('groups %r, want %r' % ([r[key] for r in out], groups))
    for r in out:
        rows = [row for row in body if row[ki] == r[key]]
        for f in ['v', 'n']:
            i = head.index(f)
            check_field('%s %s' % (r[key], f), [row[i] for row in rows],
                        {a: r['%s_%s' % (f, a)] for a in aggs})


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'gen':
        gen(int(args[0]), int(args[1]), args[2:])
    elif cmd == 'stats':
        stats(args[0], args[1], None)
        stats(args[0], args[2], 'k')
    else:
        fail('unknown command ' + cmd)


if __name__ == '__main__':
    main()
