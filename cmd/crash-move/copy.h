/*
 * copy.h: the store-to-store subcommands of crash-move.
 */
#ifndef CRASH_MOVE_COPY_H
#define CRASH_MOVE_COPY_H

/* "copy", "verify", "sync" or "check" with its arguments (argv[0] is the subcommand). */
int copy_main(const char *what, int argc, char **argv);

#endif
