/*
 * rng.h - the seeded pseudo-random numbers of gen and sample.
 *
 * xoshiro256** seeded through splitmix64 (Blackman and Vigna): fast, with
 * a period of 2^256 - 1, and the same stream for a seed on every machine.
 * Header-only so that the generator's hot loop inlines it.
 */
#ifndef SLUICE_RNG_H
#define SLUICE_RNG_H

#include <stdint.h>

typedef struct rng {
	uint64_t s[4];
} rng;

static inline uint64_t rng_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void rng_seed(rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = rng_splitmix64(&seed);
}

static inline uint64_t rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(rng *r)
{
	uint64_t *s = r->s, out = rng_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return out;
}

/* The high and low halves of x * n, with or without a 128-bit type. */
static inline uint64_t rng_mul_hi(uint64_t x, uint64_t n, uint64_t *lo)
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

/* x scaled into [0, n) by the high half of x * n: a bias of n / 2^64,
 * fine for synthetic data. */
static inline uint64_t rng_scale(uint64_t x, uint64_t n)
{
	uint64_t lo;

	return rng_mul_hi(x, n, &lo);
}

/* Uniform in [0, n), n > 0, without bias (Lemire's rejection method). */
static inline uint64_t rng_below(rng *r, uint64_t n)
{
	uint64_t lo, hi = rng_mul_hi(rng_next(r), n, &lo);

	if (lo < n) {
		uint64_t t = -n % n;

		while (lo < t)
			hi = rng_mul_hi(rng_next(r), n, &lo);
	}
	return hi;
}

#endif /* SLUICE_RNG_H */
