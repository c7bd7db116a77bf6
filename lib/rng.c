/*
 * rng.c - seeded pseudo-random numbers: xoshiro256** (Blackman and Vigna)
 * seeded through splitmix64.
 *
 * Fast, with a period of 2^256 - 1, and the same stream for a seed on
 * every machine: gen's tables and sample's picks depend on it, so the
 * stream of a seed must never change.
 */
#include "sluice_int.h"

/* One step of splitmix64 over *x: spreads a seed over the state. */
static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* The high and low halves of x * n, with or without a 128-bit type. */
static uint64_t mul_hi(uint64_t x, uint64_t n, uint64_t *lo)
{
#ifdef __SIZEOF_INT128__
	unsigned __int128 m = (unsigned __int128)x * n;

	*lo = (uint64_t)m;
	return (uint64_t)(m >> 64);
#else
	uint64_t xl = x & 0xffffffffu, xh = x >> 32;
	uint64_t nl = n & 0xffffffffu, nh = n >> 32;
	uint64_t ll = xl * nl, lh = xl * nh, hl = xh * nl, hh = xh * nh;
	uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);

	*lo = x * n;
	return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
#endif
}

void sl_rng_seed(sl_rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

uint64_t sl_rng_next(sl_rng *r)
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

uint64_t sl_rng_scale(uint64_t x, uint64_t n)
{
	uint64_t lo;

	return mul_hi(x, n, &lo);
}

/* Lemire's method: the high half of x * n, drawing again in the rare
 * case where the low half falls in the biased part. */
uint64_t sl_rng_below(sl_rng *r, uint64_t n)
{
	uint64_t lo, hi = mul_hi(sl_rng_next(r), n, &lo);

	if (lo < n) {
		uint64_t t = -n % n;

		while (lo < t)
			hi = mul_hi(sl_rng_next(r), n, &lo);
	}
	return hi;
}
