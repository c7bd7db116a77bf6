/*
 * test_fuzz_regress.c - replay the fuzz harnesses' inputs under make check.
 *
 * The harnesses of tests/fuzz/ are included here, each with its entry
 * point renamed, and run without libFuzzer on every file of
 * testdata/fuzz/regress (the inputs of past findings, named
 * HARNESS-what) and on the seeds in testdata/fuzz/HARNESS/.  A harness
 * aborts on a failed check, a leak in the budget or a descriptor left
 * open; under SAN=1 the sanitizers watch the rest.  Inputs named
 * HARNESS-oom-what or HARNESS-slow-what ran a process out of memory or
 * time before their fix: here a regression would only eat the machine's
 * memory or hang, so they are left to make fuzz, where libFuzzer stops
 * them at -rss_limit_mb and -timeout.
 */
#define LLVMFuzzerTestOneInput fuzz_source_one
#include "fuzz/fuzz_source.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_lines_one
#include "fuzz/fuzz_lines.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_csv_one
#include "fuzz/fuzz_csv.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_tsv_one
#include "fuzz/fuzz_tsv.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_jsonl_one
#include "fuzz/fuzz_jsonl.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_expr_one
#include "fuzz/fuzz_expr.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_spill_one
#include "fuzz/fuzz_spill.c"
#undef LLVMFuzzerTestOneInput

#include "testutil.h"

#define FUZZDATA "../testdata/fuzz"

static const struct harness {
	const char *name;
	int (*one)(const uint8_t *data, size_t size);
} harnesses[] = {
	{ "source", fuzz_source_one },
	{ "lines", fuzz_lines_one },
	{ "csv", fuzz_csv_one },
	{ "tsv", fuzz_tsv_one },
	{ "jsonl", fuzz_jsonl_one },
	{ "expr", fuzz_expr_one },
	{ "spill", fuzz_spill_one },
};

#define NHARNESS (sizeof(harnesses) / sizeof(harnesses[0]))

/* The harness a file is for: by the name of its folder, or for
 * regress/, by the part of the file name before the first '-'. */
static const struct harness *harness_for(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NHARNESS; i++)
		if (strlen(harnesses[i].name) == len &&
		    memcmp(harnesses[i].name, name, len) == 0)
			return &harnesses[i];
	return NULL;
}

/* Run every file in dir through h (or, when h is NULL, through the
 * harness its name begins with); returns how many ran. */
static int replay_dir(const char *dir, const struct harness *h)
{
	char path[4096];
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		const struct harness *use = h;
		unsigned char *data;
		size_t size;

		if (e->d_name[0] == '.' || strstr(e->d_name, "-oom-") ||
		    strstr(e->d_name, "-slow-"))
			continue;
		if (!use) {
			const char *dash = strchr(e->d_name, '-');

			use = harness_for(e->d_name, dash ? (size_t)(dash -
						e->d_name) : 0);
			if (!use)
				fail_msg("%s/%s: no harness of that name",
					 dir, e->d_name);
		}
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		data = tu_read_file(path, &size);
		use->one(data, size);
		free(data);
		n++;
	}
	closedir(d);
	return n;
}

static void test_fuzz_regress_findings_replay_clean(void **state)
{
	(void)state;
	assert_true(replay_dir(FUZZDATA "/regress", NULL) > 0);
}

static void test_fuzz_regress_seeds_replay_clean(void **state)
{
	char dir[256];
	size_t i;

	(void)state;
	for (i = 0; i < NHARNESS; i++) {
		snprintf(dir, sizeof(dir), FUZZDATA "/%s", harnesses[i].name);
		assert_true(replay_dir(dir, &harnesses[i]) > 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fuzz_regress_findings_replay_clean),
		cmocka_unit_test(test_fuzz_regress_seeds_replay_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
