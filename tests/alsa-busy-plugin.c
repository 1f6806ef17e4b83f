// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A libasound PCM plugin for tests: "type busy" answers -EBUSY while the file
 * named by `busyfile` exists (as a card held by another program does), and
 * otherwise opens its slave. Lets the tests drive the real ALSA open path.
 *
 *   pcm_type.busy { lib "/path/libasound_module_pcm_busy.so" }
 *   pcm.speaker { type busy busyfile "/tmp/held" slave "capture" }
 */
#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

SND_PCM_PLUGIN_DEFINE_FUNC(busy)
{
	snd_config_iterator_t i, next;
	const char *slave = NULL;
	const char *busyfile = NULL;

	snd_config_for_each(i, next, conf) {
		snd_config_t *n = snd_config_iterator_entry(i);
		const char *id;
		if (snd_config_get_id(n, &id) < 0)
			continue;
		if (strcmp(id, "comment") == 0 || strcmp(id, "type") == 0 || strcmp(id, "hint") == 0)
			continue;
		if (strcmp(id, "slave") == 0 && snd_config_get_string(n, &slave) == 0)
			continue;
		if (strcmp(id, "busyfile") == 0 && snd_config_get_string(n, &busyfile) == 0)
			continue;
		SNDERR("unknown field %s", id);
		return -EINVAL;
	}
	if (!slave || !busyfile) {
		SNDERR("busy needs slave and busyfile");
		return -EINVAL;
	}
	if (access(busyfile, F_OK) == 0)
		return -EBUSY;
	return snd_pcm_open_lconf(pcmp, slave, stream, mode, root);
}

SND_PCM_PLUGIN_SYMBOL(busy);
