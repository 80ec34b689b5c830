/*
 * cmd.h: the command layer in one include, for the commands and the CLI: their options and
 * entry points (options.h), interruption (interrupt.h) and progress (progress.h). Code that
 * needs only one of them includes that header.
 *
 * Internal header, like everything in include/rcr/: it brings in libpq and pthreads and
 * promises no stable API (include/rcr/README.md). Nothing in the core (src/common, src/format,
 * src/codec, src/copybin) may include it; tests/lint/layering_test.sh checks.
 */
#ifndef RCR_CMD_H
#define RCR_CMD_H

#include "rcr/archive.h"
#include "rcr/interrupt.h"
#include "rcr/manifest.h"
#include "rcr/options.h"
#include "rcr/pg.h"
#include "rcr/progress.h"

#endif
