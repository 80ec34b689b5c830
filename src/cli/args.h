/*
 * args.h: the CLI's parsers of option values, pure functions apart from the error context,
 * so that unit tests reach them (tests/unit/cli/args_test.c). Private to src/cli.
 */
#ifndef RCR_CLI_ARGS_H
#define RCR_CLI_ARGS_H

#include <stdint.h>

/* A size in bytes, or with a unit: k, K or kB; M or MB; G or GB (1024-based, as PostgreSQL's
 * units), from 1 byte to max. Digits only before the unit: no sign, space or fraction.
 * @return 0 with *out set, or RCR_E_USAGE with no message (the caller names the option). */
int rcr_cli_parse_size(uint64_t *out, const char *s, uint64_t max);

#endif
