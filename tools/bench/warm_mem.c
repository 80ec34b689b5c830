/* warm_mem MIB: touches MIB mebibytes of anonymous memory once, then frees it.
 *
 * On a VM whose balloon reports free guest pages to the host (Linux free page reporting, as
 * Firecracker and QEMU guests use), a freed page goes back to the host and its next first touch
 * costs a host page fault: measured on the bench machine, 0.3-0.4 GB/s for fresh memory against
 * 2.5 GB/s for memory freed a moment ago. A run that needs more new page cache than the guest
 * still holds pays that per byte, so a bigger dataset runs superlinearly slower. bench.sh
 * --hold-guest-memory pauses the reporting for its run and calls this once, so that every
 * measurement gets memory the host already backs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: warm_mem MIB\n");
		return 2;
	}
	size_t n = (size_t)strtoull(argv[1], NULL, 10) << 20;
	if (n == 0)
		return 0;
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("warm_mem: mmap");
		return 1;
	}
	memset(p, 1, n);
	munmap(p, n);
	return 0;
}
