/* Fuzz the serial-log ingest of the bare-metal hypervisor's output. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench/backends/hypervisor/serial_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("serial", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	char path[64], err[512];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	struct serial_log log;
	if (serial_log_read(path, &log, err, sizeof err) == 0) {
		size_t i;
		json_t *line;
		json_array_foreach(log.cells, i, line) {
			struct cell c;
			if (serial_line_to_cell(line, BACKEND_BAREMETAL, &c) == 0) {
				struct cell_result r;
				result_init(&r, &c);
				serial_line_to_result(line, 2e9, &r);
				serial_line_matches(line, &c);
			}
		}
		serial_log_free(&log);
	}
	close(fd);
	return 0;
}
