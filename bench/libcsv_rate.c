/*
 * libcsv_rate.c - how fast libcsv alone parses a file: the ceiling for
 * sluice's CSV reading.
 *
 *     libcsv_rate FILE
 *
 * Reads FILE in 64 KiB chunks with read(2) and hands them to csv_parse()
 * with callbacks that only count fields and rows, with the same options
 * sluice uses (no space trimming).  Prints rows, bytes and MB/s.
 */
#include <csv.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static unsigned long long fields, rows;

static void on_field(void *s, size_t n, void *data)
{
	(void)s;
	(void)n;
	(void)data;
	fields++;
}

static void on_row(int c, void *data)
{
	(void)c;
	(void)data;
	rows++;
}

static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

int main(int argc, char **argv)
{
	static unsigned char buf[65536];
	unsigned long long bytes = 0;
	struct csv_parser p;
	struct timespec t0, t1;
	double secs;
	ssize_t n;
	int fd;

	if (argc != 2 || (fd = open(argv[1], O_RDONLY)) < 0) {
		fprintf(stderr, "usage: libcsv_rate FILE\n");
		return 2;
	}
	if (csv_init(&p, 0) != 0)
		return 3;
	csv_set_space_func(&p, no_space);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (csv_parse(&p, buf, (size_t)n, on_field, on_row, NULL) !=
		    (size_t)n) {
			fprintf(stderr, "libcsv_rate: %s\n",
				csv_strerror(csv_error(&p)));
			return 1;
		}
		bytes += (unsigned long long)n;
	}
	csv_fini(&p, on_field, on_row, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	csv_free(&p);
	close(fd);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
		(double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%llu rows, %llu bytes, %.2f s, %.0f MB/s\n", rows, bytes, secs,
	       (double)bytes / 1e6 / secs);
	return 0;
}
