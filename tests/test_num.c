/*
 * test_num.c - the exact order of decimal texts: hand-picked edge cases,
 * then the pairs of testdata/num-pairs.txt, whose order Python's decimal
 * module gave (tests/num_pairs.py made them).
 */
#include "testutil.h"

#define PAIRS "../testdata/num-pairs.txt"

static int cmp(const char *a, const char *b)
{
	int c = sl_num_cmp(a, strlen(a), b, strlen(b));

	return (c > 0) - (c < 0);
}

/* a < b, b > a, and each equals itself. */
static void less(const char *a, const char *b)
{
	if (cmp(a, b) != -1 || cmp(b, a) != 1)
		fail_msg("'%s' < '%s': got %d and %d", a, b, cmp(a, b),
			 cmp(b, a));
	assert_int_equal(cmp(a, a), 0);
	assert_int_equal(cmp(b, b), 0);
}

static void same(const char *a, const char *b)
{
	if (cmp(a, b) != 0 || cmp(b, a) != 0)
		fail_msg("'%s' == '%s': got %d and %d", a, b, cmp(a, b),
			 cmp(b, a));
}

static void test_num_equal_forms(void **state)
{
	(void)state;
	same("0", "-0");
	same("+0", "0.000");
	same(".0", "0.");
	same("0e999", "-0E-7");
	same("0e99999999999999999999999", "0");
	same("1.50", "1.5");
	same("1e3", "1000");
	same("1000", "1.000e+3");
	same("007", "7");
	same("+7", "7.0");
	same("0.001", "1e-3");
	same("12345e-5", ".12345");
	same("-1.5E2", "-150");
	same("1e0", "1");
	same("1e00000000000000000000000000000007", "10000000");
	same("123e99999999999999999999", "1.23e100000000000000000001");
	same("12e-99999999999999999999", "1.2e-99999999999999999998");
	same("1234567890123456789012345678901234567890",
	     "1.234567890123456789012345678901234567890000e39");
}

static void test_num_order(void **state)
{
	(void)state;
	less("1234567890123456788", "1234567890123456789");
	less("-1234567890123456789", "-1234567890123456788");
	less("9007199254740992", "9007199254740993");
	less("0.1000000000000000055511151231257827",
	     "0.1000000000000000055511151231257828");
	less("-1", "0");
	less("-0", "1e-400");
	less("-1e-400", "0");
	less("1.5", "1.50000000000000000000000001");
	less("99", "100");
	less("0099", "100");
	less("9.9", "10");
	less(".9", "1");
	less("1e2", "101");
	less("1e-5", "0.0001");
	less("2", "1e1");
	less("-10", "-2");
	less("-1e1", "-9.99");
	less("1.7976931348623157e308", "1.7976931348623158e308");
	less("1e308", "1e309");
	less("1e400", "1e401");
	less("-1e401", "-1e400");
}

/* Exponents of any length: nothing wraps, nothing is clamped. */
static void test_num_huge_exponents(void **state)
{
	(void)state;
	less("9", "1e99999999999999999999");
	less("1e99999999999999999998", "1e99999999999999999999");
	less("1e99999999999999999999", "10e99999999999999999999");
	less("9e99999999999999999999", "1e100000000000000000000");
	less("1e-99999999999999999999", "1e-99999999999999999998");
	less("0", "1e-99999999999999999999");
	less("-1e99999999999999999999", "-9");
	less("1e-99999999999999999999999999", "1e99999999999999999999999");
	less("1e-9223372036854775808", "1e-9223372036854775807");
	less("1e9223372036854775807", "1e9223372036854775808");
	less("1e18446744073709551615", "1e18446744073709551616");
	less("1e4611686018427387904", "1e4611686018427387905");
	less("1e-4611686018427387904", "1e4611686018427387904");
	less("100e4611686018427387902", "1e4611686018427387905");
	less("1e4611686018427387904", "100e4611686018427387903");
}

/* The pairs of the file, both ways round, and the doubles agree
 * whenever they differ (the premise of sl_num_order). */
static void test_num_pairs_against_decimal(void **state)
{
	FILE *f = fopen(PAIRS, "r");
	char line[4096], a[2048], b[2048];
	int want, n = 0, line_no = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		double x, y;

		line_no++;
		if (line[0] == '#')
			continue;
		if (sscanf(line, "%2047s %2047s %d", a, b, &want) != 3)
			fail_msg("%s:%d: not a pair", PAIRS, line_no);
		if (cmp(a, b) != want || cmp(b, a) != -want)
			fail_msg("%s:%d: '%s' vs '%s': got %d and %d, want %d",
				 PAIRS, line_no, a, b, cmp(a, b), cmp(b, a),
				 want);
		x = strtod(a, NULL);
		y = strtod(b, NULL);
		if (x != y && (x < y ? -1 : 1) != want)
			fail_msg("%s:%d: the doubles disagree", PAIRS, line_no);
		assert_int_equal(sl_num_order(x, a, strlen(a), y, b,
					      strlen(b)), cmp(a, b));
		n++;
	}
	fclose(f);
	assert_true(n >= 100);
}

/* Bytes around the texts are not looked at. */
static void test_num_views(void **state)
{
	const char *s = "12345678901234567890123";

	(void)state;
	assert_true(sl_num_cmp(s, 20, s, 21) < 0);
	assert_int_equal(sl_num_cmp("1.5x", 3, "1.50", 4), 0);
	assert_int_equal(sl_num_cmp("1e21", 2, "1", 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_num_equal_forms),
		cmocka_unit_test(test_num_order),
		cmocka_unit_test(test_num_huge_exponents),
		cmocka_unit_test(test_num_pairs_against_decimal),
		cmocka_unit_test(test_num_views),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
