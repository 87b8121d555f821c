/* The system-call layer newlib expects (built with --disable-newlib-supplied-syscalls; for
 * this target its reentrant wrappers call the plain names: write, sbrk, ...):
 * output to the console, a bounded heap for _sbrk, and ENOSYS for everything a unikernel
 * has no use for. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#undef errno
extern int errno;
#include "kernel/console.h"
#include "kernel/panic.h"

static uint8_t *heap_cur, *heap_end;

/* kernel/mem.c hands the heap region over once the physical allocator is up. */
void syscalls_set_heap(void *start, size_t size)
{
	heap_cur = start;
	heap_end = (uint8_t *)start + size;
}

size_t syscalls_heap_used(void *start)
{
	return heap_cur ? (size_t)(heap_cur - (uint8_t *)start) : 0;
}

void *sbrk(ptrdiff_t incr)
{
	if (!heap_cur || incr > heap_end - heap_cur || heap_cur + incr < (uint8_t *)0) {
		errno = ENOMEM;
		return (void *)-1;
	}
	uint8_t *old = heap_cur;
	heap_cur += incr;
	return old;
}

int write(int fd, const void *buf, size_t n)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	console_write(buf, n);
	return (int)n;
}

int read(int fd, void *buf, size_t n) { errno = ENOSYS; return -1; }
int close(int fd) { errno = EBADF; return -1; }
int lseek(int fd, int off, int whence) { errno = ESPIPE; return -1; }
int isatty(int fd) { return fd >= 0 && fd <= 2; }
int getpid(void) { return 1; }
int kill(int pid, int sig) { errno = ENOSYS; return -1; }

int fstat(int fd, struct stat *st)
{
	st->st_mode = S_IFCHR;
	return 0;
}

void _exit(int status)
{
	machine_exit(status);
}
