/*
 * crashreason.c: names of exception codes, per platform.
 */
#include "crashreason.h"

#include <stdio.h>
#include <string.h>

enum { PLATFORM_WIN32_NT = 2, PLATFORM_MAC = 0x8101, PLATFORM_IOS = 0x8102,
	PLATFORM_LINUX = 0x8201, PLATFORM_ANDROID = 0x8203 };

struct code_name { uint32_t code; const char *name; };

static const char *lookup(const struct code_name *t, uint32_t code)
{
	for (; t->name; t++)
		if (t->code == code)
			return t->name;
	return NULL;
}

static const struct code_name linux_signals[] = {
	{ 1, "SIGHUP" }, { 2, "SIGINT" }, { 3, "SIGQUIT" }, { 4, "SIGILL" },
	{ 5, "SIGTRAP" }, { 6, "SIGABRT" }, { 7, "SIGBUS" }, { 8, "SIGFPE" },
	{ 9, "SIGKILL" }, { 10, "SIGUSR1" }, { 11, "SIGSEGV" }, { 12, "SIGUSR2" },
	{ 13, "SIGPIPE" }, { 14, "SIGALRM" }, { 15, "SIGTERM" }, { 16, "SIGSTKFLT" },
	{ 17, "SIGCHLD" }, { 18, "SIGCONT" }, { 19, "SIGSTOP" }, { 20, "SIGTSTP" },
	{ 21, "SIGTTIN" }, { 22, "SIGTTOU" }, { 23, "SIGURG" }, { 24, "SIGXCPU" },
	{ 25, "SIGXFSZ" }, { 26, "SIGVTALRM" }, { 27, "SIGPROF" }, { 28, "SIGWINCH" },
	{ 29, "SIGIO" }, { 30, "SIGPWR" }, { 31, "SIGSYS" },
	{ 0xffffffff, "DUMP_REQUESTED" }, { 0, NULL },
};
static const struct code_name sigill_codes[] = {
	{ 1, "ILL_ILLOPC" }, { 2, "ILL_ILLOPN" }, { 3, "ILL_ILLADR" }, { 4, "ILL_ILLTRP" },
	{ 5, "ILL_PRVOPC" }, { 6, "ILL_PRVREG" }, { 7, "ILL_COPROC" }, { 8, "ILL_BADSTK" },
	{ 0, NULL },
};
static const struct code_name sigfpe_codes[] = {
	{ 1, "FPE_INTDIV" }, { 2, "FPE_INTOVF" }, { 3, "FPE_FLTDIV" }, { 4, "FPE_FLTOVF" },
	{ 5, "FPE_FLTUND" }, { 6, "FPE_FLTRES" }, { 7, "FPE_FLTINV" }, { 8, "FPE_FLTSUB" },
	{ 0, NULL },
};
static const struct code_name sigsegv_codes[] = {
	{ 1, "SEGV_MAPERR" }, { 2, "SEGV_ACCERR" }, { 3, "SEGV_BNDERR" }, { 4, "SEGV_PKUERR" },
	{ 0, NULL },
};
static const struct code_name sigbus_codes[] = {
	{ 1, "BUS_ADRALN" }, { 2, "BUS_ADRERR" }, { 3, "BUS_OBJERR" }, { 4, "BUS_MCEERR_AR" },
	{ 5, "BUS_MCEERR_AO" }, { 0, NULL },
};

static void linux_reason(const struct md_exception *e, char *out, unsigned long n)
{
	const char *sig = lookup(linux_signals, e->code);
	if (!sig) {
		snprintf(out, n, "0x%08x / 0x%08x", e->code, e->flags);
		return;
	}
	const struct code_name *codes = NULL;
	const char *sep = " / ";
	switch (e->code) {
	case 4: codes = sigill_codes; break;
	case 7: codes = sigbus_codes; break;
	case 8: codes = sigfpe_codes; break;
	case 11: codes = sigsegv_codes; sep = " /"; break;	/* Breakpad's spacing */
	default:
		snprintf(out, n, "%s", sig);
		return;
	}
	const char *code = lookup(codes, e->flags);
	if (code)
		snprintf(out, n, "%s%s%s", sig, sep, code);
	else
		snprintf(out, n, "%s%s0x%08x", sig, sep, e->flags);
}

static const struct code_name windows_codes[] = {
	{ 0x80000001, "EXCEPTION_GUARD_PAGE" }, { 0x80000002, "EXCEPTION_DATATYPE_MISALIGNMENT" },
	{ 0x80000003, "EXCEPTION_BREAKPOINT" }, { 0x80000004, "EXCEPTION_SINGLE_STEP" },
	{ 0xc0000006, "EXCEPTION_IN_PAGE_ERROR" }, { 0xc0000008, "EXCEPTION_INVALID_HANDLE" },
	{ 0xc000001d, "EXCEPTION_ILLEGAL_INSTRUCTION" },
	{ 0xc0000025, "EXCEPTION_NONCONTINUABLE_EXCEPTION" },
	{ 0xc0000026, "EXCEPTION_INVALID_DISPOSITION" },
	{ 0xc000008c, "EXCEPTION_BOUNDS_EXCEEDED" }, { 0xc000008d, "EXCEPTION_FLT_DENORMAL_OPERAND" },
	{ 0xc000008e, "EXCEPTION_FLT_DIVIDE_BY_ZERO" }, { 0xc000008f, "EXCEPTION_FLT_INEXACT_RESULT" },
	{ 0xc0000090, "EXCEPTION_FLT_INVALID_OPERATION" }, { 0xc0000091, "EXCEPTION_FLT_OVERFLOW" },
	{ 0xc0000092, "EXCEPTION_FLT_STACK_CHECK" }, { 0xc0000093, "EXCEPTION_FLT_UNDERFLOW" },
	{ 0xc0000094, "EXCEPTION_INT_DIVIDE_BY_ZERO" }, { 0xc0000095, "EXCEPTION_INT_OVERFLOW" },
	{ 0xc0000096, "EXCEPTION_PRIV_INSTRUCTION" }, { 0xc00000fd, "EXCEPTION_STACK_OVERFLOW" },
	{ 0xc0000194, "EXCEPTION_POSSIBLE_DEADLOCK" }, { 0xc0000374, "EXCEPTION_HEAP_CORRUPTION" },
	{ 0xe06d7363, "Unhandled C++ Exception" }, { 0xc0000420, "EXCEPTION_ASSERTION_FAILURE" },
	{ 0xc000013a, "CONTROL_C_EXIT" }, { 0xc0000017, "STATUS_NO_MEMORY" },
	{ 0xc0000135, "STATUS_DLL_NOT_FOUND" }, { 0xc0000142, "STATUS_DLL_INIT_FAILED" },
	{ 0xc06d007e, "STATUS_DELAYLOAD_MODULE_NOT_FOUND" },
	{ 0xc06d007f, "STATUS_DELAYLOAD_PROC_NOT_FOUND" }, { 0, NULL },
};
/* __fastfail codes, the first parameter of STATUS_STACK_BUFFER_OVERRUN. */
static const struct code_name fast_fail_codes[] = {
	{ 0, "FAST_FAIL_LEGACY_GS_VIOLATION" }, { 1, "FAST_FAIL_VTGUARD_CHECK_FAILURE" },
	{ 2, "FAST_FAIL_STACK_COOKIE_CHECK_FAILURE" }, { 3, "FAST_FAIL_CORRUPT_LIST_ENTRY" },
	{ 4, "FAST_FAIL_INCORRECT_STACK" }, { 5, "FAST_FAIL_INVALID_ARG" },
	{ 6, "FAST_FAIL_GS_COOKIE_INIT" }, { 7, "FAST_FAIL_FATAL_APP_EXIT" },
	{ 8, "FAST_FAIL_RANGE_CHECK_FAILURE" }, { 9, "FAST_FAIL_UNSAFE_REGISTRY_ACCESS" },
	{ 10, "FAST_FAIL_GUARD_ICALL_CHECK_FAILURE" }, { 11, "FAST_FAIL_GUARD_WRITE_CHECK_FAILURE" },
	{ 12, "FAST_FAIL_INVALID_FIBER_SWITCH" }, { 13, "FAST_FAIL_INVALID_SET_OF_CONTEXT" },
	{ 14, "FAST_FAIL_INVALID_REFERENCE_COUNT" }, { 18, "FAST_FAIL_INVALID_JUMP_BUFFER" },
	{ 19, "FAST_FAIL_MRDATA_MODIFIED" }, { 20, "FAST_FAIL_CERTIFICATION_FAILURE" },
	{ 21, "FAST_FAIL_INVALID_EXCEPTION_CHAIN" }, { 22, "FAST_FAIL_CRYPTO_LIBRARY" },
	{ 23, "FAST_FAIL_INVALID_CALL_IN_DLL_CALLOUT" }, { 24, "FAST_FAIL_INVALID_IMAGE_BASE" },
	{ 25, "FAST_FAIL_DLOAD_PROTECTION_FAILURE" }, { 26, "FAST_FAIL_UNSAFE_EXTENSION_CALL" },
	{ 27, "FAST_FAIL_DEPRECATED_SERVICE_INVOKED" }, { 28, "FAST_FAIL_INVALID_BUFFER_ACCESS" },
	{ 29, "FAST_FAIL_INVALID_BALANCED_TREE" }, { 30, "FAST_FAIL_INVALID_NEXT_THREAD" },
	{ 31, "FAST_FAIL_GUARD_ICALL_CHECK_SUPPRESSED" }, { 32, "FAST_FAIL_APCS_DISABLED" },
	{ 33, "FAST_FAIL_INVALID_IDLE_STATE" }, { 34, "FAST_FAIL_MRDATA_PROTECTION_FAILURE" },
	{ 35, "FAST_FAIL_UNEXPECTED_HEAP_EXCEPTION" }, { 36, "FAST_FAIL_INVALID_LOCK_STATE" },
	{ 37, "FAST_FAIL_GUARD_JUMPTABLE" }, { 38, "FAST_FAIL_INVALID_LONGJUMP_TARGET" },
	{ 39, "FAST_FAIL_INVALID_DISPATCH_CONTEXT" }, { 40, "FAST_FAIL_INVALID_THREAD" },
	{ 41, "FAST_FAIL_INVALID_SYSCALL_NUMBER" }, { 42, "FAST_FAIL_INVALID_FILE_OPERATION" },
	{ 43, "FAST_FAIL_LPAC_ACCESS_DENIED" }, { 44, "FAST_FAIL_GUARD_SS_FAILURE" },
	{ 45, "FAST_FAIL_LOADER_CONTINUITY_FAILURE" }, { 46, "FAST_FAIL_GUARD_EXPORT_SUPPRESSION_FAILURE" },
	{ 47, "FAST_FAIL_INVALID_CONTROL_STACK" }, { 48, "FAST_FAIL_SET_CONTEXT_DENIED" },
	{ 49, "FAST_FAIL_INVALID_IAT" }, { 50, "FAST_FAIL_HEAP_METADATA_CORRUPTION" },
	{ 51, "FAST_FAIL_PAYLOAD_RESTRICTION_VIOLATION" }, { 52, "FAST_FAIL_LOW_LABEL_ACCESS_DENIED" },
	{ 53, "FAST_FAIL_ENCLAVE_CALL_FAILURE" }, { 54, "FAST_FAIL_UNHANDLED_LSS_EXCEPTON" },
	{ 55, "FAST_FAIL_ADMINLESS_ACCESS_DENIED" }, { 56, "FAST_FAIL_UNEXPECTED_CALL" },
	{ 57, "FAST_FAIL_CONTROL_INVALID_RETURN_ADDRESS" }, { 58, "FAST_FAIL_UNEXPECTED_HOST_BEHAVIOR" },
	{ 59, "FAST_FAIL_FLAGS_CORRUPTION" }, { 60, "FAST_FAIL_VEH_CORRUPTION" },
	{ 61, "FAST_FAIL_ETW_CORRUPTION" }, { 62, "FAST_FAIL_RIO_ABORT" },
	{ 63, "FAST_FAIL_INVALID_PFN" }, { 0, NULL },
};

static uint64_t windows_reason(const struct md_exception *e, char *out, unsigned long n)
{
	uint64_t address = e->address;
	if (e->code == 0xc0000005 || e->code == 0xc0000006) {
		const char *base = e->code == 0xc0000005 ? "EXCEPTION_ACCESS_VIOLATION" :
		    "EXCEPTION_IN_PAGE_ERROR";
		const char *kind = "";
		if (e->nparams >= 1)
			kind = e->params[0] == 0 ? "_READ" : e->params[0] == 1 ? "_WRITE" :
			    e->params[0] == 8 ? "_EXEC" : "";
		snprintf(out, n, "%s%s", base, kind);
		if (e->nparams >= 2)
			address = e->params[1];
		return address;
	}
	if (e->code == 0xc0000409) {
		const char *ff = e->nparams >= 1 ? lookup(fast_fail_codes, e->params[0]) : NULL;
		snprintf(out, n, "%s", ff ? ff : "EXCEPTION_STACK_BUFFER_OVERRUN");
		return address;
	}
	const char *name = lookup(windows_codes, e->code);
	if (name)
		snprintf(out, n, "%s", name);
	else
		snprintf(out, n, "0x%08x", e->code);
	return address;
}

static const struct code_name mac_codes[] = {
	{ 1, "EXC_BAD_ACCESS" }, { 2, "EXC_BAD_INSTRUCTION" }, { 3, "EXC_ARITHMETIC" },
	{ 4, "EXC_EMULATION" }, { 5, "EXC_SOFTWARE" }, { 6, "EXC_BREAKPOINT" },
	{ 7, "EXC_SYSCALL" }, { 8, "EXC_MACH_SYSCALL" }, { 9, "EXC_RPC_ALERT" },
	{ 10, "EXC_CRASH" }, { 11, "EXC_RESOURCE" }, { 12, "EXC_GUARD" },
	{ 0x43506e78, "Uncaught NSException" }, { 0, NULL },
};

uint64_t crash_reason(const struct minidump *md, char *out, unsigned long n)
{
	const struct md_exception *e = &md->exc;
	uint32_t platform = md->has_system_info ? md->sys.platform : PLATFORM_WIN32_NT;
	switch (platform) {
	case PLATFORM_LINUX:
	case PLATFORM_ANDROID:
		linux_reason(e, out, n);
		return e->address;
	case PLATFORM_MAC:
	case PLATFORM_IOS: {
		const char *name = lookup(mac_codes, e->code);
		if (name)
			snprintf(out, n, "%s", name);
		else
			snprintf(out, n, "0x%08x", e->code);
		return e->address;
	}
	default:
		return windows_reason(e, out, n);
	}
}
