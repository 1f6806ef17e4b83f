// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A virtual keyboard for the lab: creates a uinput device named NAME with one
 * key, prints its /dev/input/eventN path, then presses the key once for every
 * line read on stdin, and removes the device at end of input.
 *
 *   uinput-key NAME KEY_CODE      (e.g. uinput-key earshot-button 28)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/uinput.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int emit(int fd, int type, int code, int value)
{
	struct input_event ev = { .type = type, .code = code, .value = value };
	return write(fd, &ev, sizeof(ev)) == sizeof(ev) ? 0 : -1;
}

static int press(int fd, int code)
{
	return emit(fd, EV_KEY, code, 1) || emit(fd, EV_SYN, SYN_REPORT, 0) ||
		emit(fd, EV_KEY, code, 0) || emit(fd, EV_SYN, SYN_REPORT, 0);
}

/* Finds /dev/input/eventN of the input device called @name. */
static int print_event_node(const char *name)
{
	char path[512], got[256];
	for (int tries = 0; tries < 50; tries++, usleep(100000)) {
		DIR *dir = opendir("/sys/class/input");
		struct dirent *e;
		while (dir && (e = readdir(dir))) {
			if (strncmp(e->d_name, "event", 5) != 0)
				continue;
			snprintf(path, sizeof(path), "/sys/class/input/%s/device/name", e->d_name);
			FILE *f = fopen(path, "r");
			if (!f)
				continue;
			int same = fgets(got, sizeof(got), f) && strncmp(got, name, strlen(name)) == 0 &&
				(got[strlen(name)] == '\n' || got[strlen(name)] == 0);
			fclose(f);
			if (same) {
				printf("/dev/input/%s\n", e->d_name);
				fflush(stdout);
				closedir(dir);
				return 0;
			}
		}
		if (dir)
			closedir(dir);
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct uinput_setup setup = { .id = { .bustype = BUS_VIRTUAL, .vendor = 0x1, .product = 0x1 } };
	char line[64];

	if (argc != 3) {
		fprintf(stderr, "usage: uinput-key NAME KEY_CODE\n");
		return 2;
	}
	int code = atoi(argv[2]);
	int fd = open("/dev/uinput", O_WRONLY | O_NONBLOCK);
	if (fd < 0) {
		fprintf(stderr, "uinput-key: /dev/uinput: %s\n", strerror(errno));
		return 1;
	}
	snprintf(setup.name, sizeof(setup.name), "%s", argv[1]);
	if (ioctl(fd, UI_SET_EVBIT, EV_KEY) || ioctl(fd, UI_SET_KEYBIT, code) ||
		ioctl(fd, UI_DEV_SETUP, &setup) || ioctl(fd, UI_DEV_CREATE)) {
		fprintf(stderr, "uinput-key: cannot create the device: %s\n", strerror(errno));
		return 1;
	}
	if (print_event_node(argv[1]) < 0) {
		fprintf(stderr, "uinput-key: the device did not appear\n");
		return 1;
	}
	while (fgets(line, sizeof(line), stdin))
		if (press(fd, code) < 0)
			fprintf(stderr, "uinput-key: write: %s\n", strerror(errno));
	ioctl(fd, UI_DEV_DESTROY);
	close(fd);
	return 0;
}
