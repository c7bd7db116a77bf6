/*
 * fuzz_jsonl.c - the jsonl reader, records against a reference read (see
 * reader_body.h for the input layout and the oracle).
 */
#include "reader_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return rdr_one(SL_FORMAT_JSONL, data, size);
}
