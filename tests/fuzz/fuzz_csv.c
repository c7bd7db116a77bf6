/*
 * fuzz_csv.c - the csv reader, and with byte 2 bit 3 the sniffing of the
 * format (AUTO), records against a reference read (see reader_body.h for
 * the input layout and the oracle).
 */
#include "reader_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return rdr_one(SL_FORMAT_CSV, data, size);
}
