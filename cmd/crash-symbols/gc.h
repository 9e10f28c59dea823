/* gc.h: `crash-symbols gc` (gc.c). */
#ifndef CRASH_SYMBOLS_GC_H
#define CRASH_SYMBOLS_GC_H

int gc_main(const char *store, long long max_size, long long max_age_days);

#endif
