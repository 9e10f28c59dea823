/* missing.h: `crash-symbols missing` (missing.c). */
#ifndef CRASH_SYMBOLS_MISSING_H
#define CRASH_SYMBOLS_MISSING_H

#include "conf.h"

int missing_main(struct conf *c);

#endif
