/*
 * test_expr.c - the filter expression language: precedence and
 * associativity, every operator and function, numbers against strings,
 * empty fields, regular expressions, every error message with its column,
 * no allocation per evaluation, and memory faults while compiling.
 */
#include "testutil.h"

static const sl_str names[] = {
	{ "a", 1 }, { "b", 1 }, { "c", 1 }, { "d e", 3 },
};

/* Evaluate text with fields a, b, c, "d e" set to the given strings. */
static int ev(const char *text, const char *a, const char *b, const char *c,
	      const char *d)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *ar = sl_arena_new(ctx, "t");
	sl_str f[4] = { { a, strlen(a) }, { b, strlen(b) }, { c, strlen(c) },
			{ d, strlen(d) } };
	size_t col;
	sl_expr *e = sl_expr_compile(ar, text, names, 4, &col);
	int r;

	if (!e)
		fail_msg("'%s' does not compile: %s", text, sl_errmsg(ctx));
	r = sl_expr_eval(e, f, 4);
	assert_false(sl_failed(ctx));
	tu_ctx_free(ctx);
	return r;
}

/* A constant expression (fields all empty). */
static int k(const char *text)
{
	return ev(text, "", "", "", "");
}

#define TRUE_(t) do { if (!k(t)) fail_msg("'%s' is false", t); } while (0)
#define FALSE_(t) do { if (k(t)) fail_msg("'%s' is true", t); } while (0)

static void test_expr_precedence(void **state)
{
	(void)state;
	TRUE_("1 + 2 * 3 == 7");
	TRUE_("(1 + 2) * 3 == 9");
	TRUE_("-2 * 3 == -6");
	TRUE_("2 * -3 == -6");
	TRUE_("1 + 6 / 2 - 1 == 3");
	TRUE_("7 % 4 * 2 == 6");
	TRUE_("true || false && false");      /* && binds tighter */
	FALSE_("(true || false) && false");
	TRUE_("!false && true");              /* ! binds tightest */
	TRUE_("!0 == 1");                     /* (!0) == 1 */
	TRUE_("1 < 2 && 3 > 2");
	TRUE_("1 + 1 == 2 || 0");
}

static void test_expr_associativity(void **state)
{
	(void)state;
	TRUE_("8 - 4 - 2 == 2");     /* (8 - 4) - 2 */
	TRUE_("64 / 8 / 2 == 4");
	TRUE_("17 % 7 % 2 == 1");
	TRUE_("--3 == 3");
	TRUE_("!!true");
}

static void test_expr_numbers_against_strings(void **state)
{
	(void)state;
	assert_true(ev("a == 7", "007", "", "", ""));      /* numeric */
	assert_true(ev("a == b", "1.50", "1.5", "", ""));
	assert_true(ev("a > b", "10", "9", "", ""));       /* not "1" < "9" */
	assert_true(ev("a < b", "abc", "abd", "", ""));    /* bytes */
	assert_true(ev("a > 5", "abc", "", "", ""));       /* "abc" > "5" */
	assert_true(ev("a == \"1e3\"", "1000", "", "", ""));
	assert_false(ev("a == 5", " 5", "", "", ""));      /* spaces: text */
	assert_false(ev("a == 0", "nan", "", "", ""));
	assert_true(ev("a != b", "x", "X", "", ""));
	assert_true(ev("a >= b && a <= b", "2", "2.0", "", ""));
	TRUE_("\"10\" > \"9\"");
	TRUE_("true == 1");
	TRUE_("len(\"abc\") == \"3\"");
}

/* Numbers compare by exact value where doubles tie; a computed number
 * compares through its double. */
static void test_expr_exact_numbers(void **state)
{
	static const char *big = "1234567890123456789";
	static const char *close = "1234567890123456788";

	(void)state;
	assert_false(ev("a == 1234567890123456788", big, "", "", ""));
	assert_true(ev("a == 1234567890123456788", close, "", "", ""));
	assert_true(ev("a > 1234567890123456788", big, "", "", ""));
	assert_true(ev("1234567890123456788 < a", big, "", "", ""));
	assert_true(ev("a != b", big, close, "", ""));
	assert_true(ev("a > b", big, close, "", ""));
	assert_false(ev("a <= b", big, close, "", ""));
	assert_true(ev("a < \"1234567890123456789\"", close, "", "", ""));
	assert_true(ev("a == -1234567890123456789", "-1234567890123456789",
		       "", "", ""));
	assert_false(ev("a == -1234567890123456789", "-1234567890123456788",
			"", "", ""));
	assert_true(ev("a < -1234567890123456788", "-1234567890123456789",
		       "", "", ""));
	assert_true(ev("a == --1234567890123456789", big, "", "", ""));
	assert_true(ev("a == 1", "1.0", "", "", ""));
	assert_true(ev("a == b", "1.50", "15e-1", "", ""));
	assert_true(ev("a == b", "-0", "0.000", "", ""));
	assert_true(ev("a > b", "1e400", "1e399", "", ""));
	assert_true(ev("a < 0.10000000000000000001", "0.1", "", "", ""));
	/* not a field against a literal: the general comparison */
	FALSE_("1234567890123456788 == 1234567890123456789");
	TRUE_("1234567890123456788 < 1234567890123456789");
	TRUE_("-1234567890123456789 < -1234567890123456788");
	assert_false(ev("lower(a) == 1234567890123456788", big, "", "", ""));
	assert_true(ev("lower(a) == 1234567890123456788", close, "", "", ""));
	/* arithmetic gives a double: both sides compare as doubles */
	assert_true(ev("a + 0 == 1234567890123456788", big, "", "", ""));
	assert_true(ev("-a == -1234567890123456788", big, "", "", ""));
	assert_true(ev("a == 0x10", "16", "", "", ""));
}

static void test_expr_empty_fields(void **state)
{
	(void)state;
	TRUE_("a == \"\"");
	FALSE_("a == 0");             /* "" is not a number: "" vs "0" */
	FALSE_("a");                  /* empty is false */
	TRUE_("is_empty(a)");
	TRUE_("a + 1 != a + 1");      /* NaN */
	FALSE_("a + 1 == a + 1");
	FALSE_("a + 1 < 5");
	TRUE_("len(a) == 0");
	assert_true(ev("a", "0", "", "", ""));   /* a non-empty string */
}

static void test_expr_arithmetic_ieee(void **state)
{
	(void)state;
	TRUE_("1 / 0 > 1e308");
	TRUE_("-1 / 0 < -1e308");
	FALSE_("0 / 0 == 0 / 0");
	TRUE_("5 % 0 != 5 % 0");
	TRUE_("-7 % 3 == -1");        /* fmod: the dividend's sign */
	TRUE_("0.1 + 0.2 == 0.3");      /* + - * of decimals: exact */
	TRUE_("(0.1 + 0.2) . \"\" == \"0.3\"");
	TRUE_("0.1 * 3 . \"\" == \"0.3\"");
	TRUE_("1.50 * 2 . \"\" == \"3\"");
	TRUE_("1e-30 + 1 == 1");        /* past 18 digits: doubles */
	TRUE_("(1 / 3) * 3 == 1");
	TRUE_("len(1 / 4) == 4");     /* "0.25" */
	TRUE_("len(1e20) == 4");      /* a literal: its own text */
	TRUE_("len(1e20 * 1) == 5");  /* computed: "1e+20" */
	TRUE_("len(100 / 4) == 2");   /* "25" */
	TRUE_("lower(1 / 0) == \"inf\"");
	TRUE_("lower(0 / 0) == \"nan\"");
	FALSE_("0");
	TRUE_("1");
	FALSE_("0 * 1");
	TRUE_("\"0\"");               /* a non-empty string literal */
}

/* put's additions: the conditional, '.', and the functions. */
static void test_expr_put_functions(void **state)
{
	(void)state;
	TRUE_("(1 > 0 ? \"y\" : \"n\") == \"y\"");
	TRUE_("(0 ? 1 : 0 ? 2 : 3) == 3");   /* right to left */
	TRUE_("\"a\" . 1 . \"b\" == \"a1b\"");
	TRUE_("concat(1, \"a\", 2.50) == \"1a2.50\"");
	TRUE_("strlen(\"h\xc3\xa9llo\") == 5 && len(\"h\xc3\xa9llo\") == 6");
	TRUE_("substr(\"h\xc3\xa9llo\", 2, 3) == \"\xc3\xa9ll\"");
	TRUE_("substr(\"hello\", 4) == \"lo\" && substr(\"hi\", 9) == \"\"");
	TRUE_("split(\"a,b,c\", \",\", 3) == \"c\" && split(\"a\", \",\", 2) == \"\"");
	TRUE_("replace(\"banana\", \"a(n)?\", \"<\\\\1>\") == \"b<n><n><>\"");
	TRUE_("replace(\"abc\", \"x*\", \"-\") == \"-a-b-c-\"");
	TRUE_("fmtnum(3.14159, \"%.2f\") == \"3.14\"");
	TRUE_("fmtnum(255, \"%04x\") == \"00ff\"");
	TRUE_("fmtnum(\"x\", \"%d\") == \"\"");
	TRUE_("round(2.5) == 3 && round(-2.5) == -3 && round(1.25, 1) == 1.3");
	TRUE_("abs(-2) == 2 && min(3, \"x\", 1) == 1 && max(1, 5, 3) == 5");
	TRUE_("to_number(\"1.50\") . \"\" == \"1.50\"");
	TRUE_("year(\"2024-02-29\") == 2024 && month(\"2024-02-29\") == 2");
	TRUE_("day(\"2024-02-29T10:00\") == 29");
	TRUE_("date_diff(\"2024-03-01\", \"2024-02-28\") == 2");
	TRUE_("date_diff(\"2000-01-01\", \"1970-01-01\") == 10957");
	FALSE_("year(\"2023-02-29\") > 0");     /* no such day: NaN */
}

static void test_expr_fields_every_spelling(void **state)
{
	(void)state;
	assert_true(ev("a == 1 && $b == 2 && $3 == 3 && ${d e} == 4",
		       "1", "2", "3", "4"));
	assert_true(ev("$4 == \"x y\"", "", "", "", "x y"));
	assert_true(ev("$1 == a", "q", "", "", ""));
}

static void test_expr_strings_and_escapes(void **state)
{
	(void)state;
	assert_true(ev("a == \"say \\\"hi\\\"\"", "say \"hi\"", "", "", ""));
	assert_true(ev("a == 'it\\'s'", "it's", "", "", ""));
	assert_true(ev("a == \"t\\tn\\nr\\r\\\\\"", "t\tn\nr\r\\", "", "", ""));
	assert_true(ev("a == 'x'", "x", "", "", ""));
}

static void test_expr_regex(void **state)
{
	(void)state;
	assert_true(ev("a =~ \"^ab+c$\"", "abbbc", "", "", ""));
	assert_false(ev("a =~ \"^ab+c$\"", "abbbcd", "", "", ""));
	assert_true(ev("a !~ \"^x\"", "yx", "", "", ""));
	assert_true(ev("a =~ \"(NO|SE)\"", "in SE", "", "", ""));
	assert_true(ev("a =~ \"\\\\.\"", "1.5", "", "", ""));
	assert_true(ev("a =~ \"[0-9]{3}\"", "ab123", "", "", ""));
	assert_true(ev("a =~ \"b.c\"", "ab\ncd", "", "", ""));  /* . takes \n */
	assert_true(ev("a =~ \"^$\"", "", "", "", ""));
	/* the field's view ends where the field does, not at a NUL */
	assert_false(ev("a =~ \"x$\"", "ax", "", "", "") &&
		     ev("b =~ \"a$\"", "", "ab", "", ""));
	TRUE_("1.5 * 2 =~ \"^3$\"");
}

static void test_expr_functions(void **state)
{
	(void)state;
	assert_true(ev("len(a) == 6", "h\xc3\xa9llo", "", "", ""));  /* bytes */
	assert_true(ev("lower(a) == \"abc\xc3\x89\"", "AbC\xc3\x89", "", "",
		       ""));   /* ASCII only */
	assert_true(ev("upper(a) == \"ABC\"", "abc", "", "", ""));
	assert_true(ev("contains(a, \"ell\")", "hello", "", "", ""));
	assert_true(ev("contains(a, \"\")", "", "", "", ""));
	assert_false(ev("contains(a, \"xyz\")", "xy", "", "", ""));
	assert_true(ev("starts_with(a, b)", "prefix", "pre", "", ""));
	assert_false(ev("starts_with(a, b)", "pr", "pre", "", ""));
	assert_true(ev("is_empty(lower(a))", "", "", "", ""));
	assert_true(ev("upper(lower(a)) == a", "ABC", "", "", ""));
	TRUE_("len(len(\"abcdefghij\")) == 2");
}

static void test_expr_eval_allocates_nothing(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *ar = sl_arena_new(ctx, "t");
	sl_expr *e = sl_expr_compile(ar, "lower(a) =~ \"^x\" || upper(b) ==\"Y\""
				     " || len(a) + 1 > 1000", names, 4, NULL);
	sl_str f[4] = { { "XYZXYZ", 6 }, { "y", 1 }, { "", 0 }, { "", 0 } };
	size_t used;
	int i;

	(void)state;
	assert_non_null(e);
	/* both scratch buffers grow here: lower(a) matches, then not */
	assert_true(sl_expr_eval(e, f, 4));
	f[0].len = 0;
	assert_true(sl_expr_eval(e, f, 4));
	used = sl_mem_in_use(ctx);
	for (i = 0; i < 1000; i++) {
		f[0].len = (size_t)(i % 6);
		sl_expr_eval(e, f, 4);
	}
	assert_int_equal(sl_mem_in_use(ctx), used);
	tu_ctx_free(ctx);
}

static void test_expr_missing_field_is_empty(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_expr *e = sl_expr_compile(sl_arena_new(ctx, "t"), "is_empty(c)",
				     names, 4, NULL);
	sl_str f[1] = { { "x", 1 } };

	(void)state;
	assert_true(sl_expr_eval(e, f, 1));
	tu_ctx_free(ctx);
}

static void test_expr_errors(void **state)
{
	static const struct {
		const char *text;
		size_t col;
		const char *msg;
	} cases[] = {
		{ "", 1, "expected an operand at the end" },
		{ "a >", 4, "expected an operand at the end" },
		{ "a > & b", 5, "expected an operand, not '&'" },
		{ "(a > 1", 7, "expected ')' to close the '(' at column 1" },
		{ "a > 1)", 6, "unmatched ')'" },
		{ "a = 1", 3, "'=' is not an operator; use == to compare" },
		{ "a & b", 3, "'&' is not an operator; use &&" },
		{ "a | b", 3, "'|' is not an operator; use ||" },
		{ "a < b < c", 3, "comparisons do not chain; join them with &&" },
		{ "a > nope", 5, "unknown field 'nope' at column 5; the fields"
			" are: a, b, c, d e" },
		{ "$9 > 1", 1, "field $9 is not within 1-4" },
		{ "${a > 1", 1, "unterminated '${'" },
		{ "a == \"abc", 6, "unterminated string" },
		{ "a == 'x\\", 6, "unterminated string" },
		{ "a == \"\\q\"", 7, "unknown escape '\\q' in a string" },
		{ "foo(1)", 1, "unknown function 'foo'" },
		{ "len(a, b)", 1, "len() takes 1 argument, not 2" },
		{ "contains(a)", 1, "contains() takes 2 arguments, not 1" },
		{ "len(a b)", 7, "expected ',' or ')' in the call of len()" },
		{ "a =~ b", 6, "the right side of =~ must be a string literal" },
		{ "a !~ \"(\"", 6, "bad regular expression: " },
		{ "12abc > 1", 3, "unexpected 'a' after a number" },
		{ "$ x", 1, "expected a field name after '$'" },
		{ "a 1", 3, "unexpected '1' after a complete expression" },
	};
	size_t i, col;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sl_ctx *ctx = tu_ctx(0, 0);
		sl_expr *e = sl_expr_compile(sl_arena_new(ctx, "t"),
					     cases[i].text, names, 4, &col);

		if (e)
			fail_msg("'%s' compiled", cases[i].text);
		assert_int_equal(sl_errcode(ctx), SL_EINVAL);
		if (!strstr(sl_errmsg(ctx), cases[i].msg))
			fail_msg("'%s': message '%s' lacks '%s'", cases[i].text,
				 sl_errmsg(ctx), cases[i].msg);
		if (col != cases[i].col)
			fail_msg("'%s': column %zu, want %zu (%s)",
				 cases[i].text, col, cases[i].col,
				 sl_errmsg(ctx));
		tu_ctx_free(ctx);
	}
}

static void test_expr_fault_at_every_allocation(void **state)
{
	int failures = 0;

	(void)state;
	for (unsigned long n = 1;; n++) {
		sl_ctx *ctx = tu_ctx(0, 0);
		sl_arena *a;
		sl_expr *e;

		sl_mem_fail_at(ctx, n);
		a = sl_arena_new(ctx, "t");
		e = a ? sl_expr_compile(a, "lower(a) =~ \"x\" && upper(b) ==c",
					names, 4, NULL) : NULL;
		if (!e) {
			assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
			failures++;
			tu_ctx_free(ctx);
			continue;
		}
		tu_ctx_free(ctx);
		break;
	}
	assert_true(failures >= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expr_precedence),
		cmocka_unit_test(test_expr_associativity),
		cmocka_unit_test(test_expr_numbers_against_strings),
		cmocka_unit_test(test_expr_exact_numbers),
		cmocka_unit_test(test_expr_empty_fields),
		cmocka_unit_test(test_expr_arithmetic_ieee),
		cmocka_unit_test(test_expr_put_functions),
		cmocka_unit_test(test_expr_fields_every_spelling),
		cmocka_unit_test(test_expr_strings_and_escapes),
		cmocka_unit_test(test_expr_regex),
		cmocka_unit_test(test_expr_functions),
		cmocka_unit_test(test_expr_eval_allocates_nothing),
		cmocka_unit_test(test_expr_missing_field_is_empty),
		cmocka_unit_test(test_expr_errors),
		cmocka_unit_test(test_expr_fault_at_every_allocation),
	};

	return cmocka_run_group_tests_name("expr", tests, NULL, NULL);
}
