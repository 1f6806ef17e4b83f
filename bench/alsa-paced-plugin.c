// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A libasound PCM plugin for the benchmark: a sound card without hardware.
 * "type paced" consumes what is written at the sample rate, in real time, in
 * 5 ms ticks (a card's DMA, as snd-dummy does in the lab), and writes down
 * when the first audible sample was handed to it and when the stream was
 * stopped, as CLOCK_MONOTONIC nanoseconds, one line each:
 *
 *   pcm_type.paced { lib "/path/libasound_module_pcm_paced.so" }
 *   pcm.room { type paced stamps "/tmp/stamps" }
 *
 * appends "first <ns>" when a sample above 1/512 of full scale is written
 * for the first time since the PCM was opened, "heard <ns>" when the card
 * plays that sample (written ahead into the buffer, it is heard later), and
 * "stop <ns>" when the stream is dropped or closed while running. S16
 * interleaved, 1 or 2 channels.
 */
#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define TICK_NS 5000000L
#define AUDIBLE 64

typedef struct {
	snd_pcm_ioplug_t io;
	int timerfd;
	char *stamps;
	int stamped;   /* the first audible sample was written down */
	int running;
	snd_pcm_uframes_t played; /* frames consumed since prepare, in appl_ptr's units */
	long long last_ns;        /* when played was last advanced */
	int audible_due;          /* the first audible sample is written but not yet played */
	snd_pcm_uframes_t audible; /* its frame, in appl_ptr's units */
} Paced;

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void stamp_at(Paced *p, const char *what, long long ns)
{
	FILE *f = fopen(p->stamps, "a");
	if (!f)
		return;
	fprintf(f, "%s %lld\n", what, ns);
	fclose(f);
}

static void stamp(Paced *p, const char *what)
{
	stamp_at(p, what, now_ns());
}

static void arm(Paced *p, int on)
{
	struct itimerspec t = { { 0, on ? TICK_NS : 0 }, { 0, on ? TICK_NS : 0 } };
	timerfd_settime(p->timerfd, 0, &t, NULL);
}

/* Consumes what real time allows since the last call, but never more than was written. */
static void advance(Paced *p)
{
	long long now = now_ns();
	snd_pcm_uframes_t written = p->io.appl_ptr;
	snd_pcm_uframes_t can = (snd_pcm_uframes_t)((now - p->last_ns) * p->io.rate / 1000000000LL);

	if (can == 0)
		return;
	snd_pcm_uframes_t from = p->played;
	long long from_ns = p->last_ns;
	p->last_ns = now;
	p->played = p->played + can > written ? written : p->played + can;
	if (p->audible_due && p->audible >= from && p->audible < p->played) {
		stamp_at(p, "heard", from_ns + (long long)(p->audible - from) * 1000000000LL /
			p->io.rate);
		p->audible_due = 0;
	}
}

static int paced_start(snd_pcm_ioplug_t *io)
{
	Paced *p = io->private_data;
	p->last_ns = now_ns();
	p->running = 1;
	arm(p, 1);
	return 0;
}

static int paced_stop(snd_pcm_ioplug_t *io)
{
	Paced *p = io->private_data;
	if (p->running)
		stamp(p, "stop");
	p->running = 0;
	arm(p, 0);
	return 0;
}

static int paced_prepare(snd_pcm_ioplug_t *io)
{
	Paced *p = io->private_data;
	p->played = io->appl_ptr;
	return 0;
}

static snd_pcm_sframes_t paced_pointer(snd_pcm_ioplug_t *io)
{
	Paced *p = io->private_data;
	if (p->running)
		advance(p);
	return (snd_pcm_sframes_t)(p->played % io->buffer_size);
}

static snd_pcm_sframes_t paced_transfer(snd_pcm_ioplug_t *io, const snd_pcm_channel_area_t *areas,
	snd_pcm_uframes_t offset, snd_pcm_uframes_t size)
{
	Paced *p = io->private_data;
	const short *s = (const short *)((const char *)areas[0].addr + areas[0].first / 8) +
		offset * io->channels;

	for (snd_pcm_uframes_t i = 0; !p->stamped && i < size * io->channels; i++) {
		if (s[i] > AUDIBLE || s[i] < -AUDIBLE) {
			stamp(p, "first");
			p->stamped = 1;
			p->audible_due = 1;
			p->audible = io->appl_ptr + i / io->channels;
		}
	}
	return (snd_pcm_sframes_t)size;
}

static int paced_poll_revents(snd_pcm_ioplug_t *io, struct pollfd *pfd, unsigned int nfds,
	unsigned short *revents)
{
	Paced *p = io->private_data;
	unsigned long long ticks;

	if (pfd[0].revents & POLLIN) {
		if (read(p->timerfd, &ticks, sizeof(ticks)) < 0)
			return -errno;
		*revents = POLLOUT;
	} else {
		*revents = 0;
	}
	return 0;
}

static int paced_close(snd_pcm_ioplug_t *io)
{
	Paced *p = io->private_data;
	paced_stop(io);
	close(p->timerfd);
	free(p->stamps);
	free(p);
	return 0;
}

static const snd_pcm_ioplug_callback_t paced_callback = {
	.start = paced_start,
	.stop = paced_stop,
	.prepare = paced_prepare,
	.pointer = paced_pointer,
	.transfer = paced_transfer,
	.poll_revents = paced_poll_revents,
	.close = paced_close,
};

static int constrain(snd_pcm_ioplug_t *io)
{
	static const unsigned int access[] = { SND_PCM_ACCESS_RW_INTERLEAVED };
	static const unsigned int formats[] = { SND_PCM_FORMAT_S16 };
	int err;

	if ((err = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_ACCESS, 1, access)) < 0 ||
		(err = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_FORMAT, 1, formats)) < 0 ||
		(err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_CHANNELS, 1, 2)) < 0 ||
		(err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_RATE, 8000, 48000)) < 0 ||
		(err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_PERIOD_BYTES, 256,
			65536)) < 0 ||
		(err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_PERIODS, 2, 64)) < 0)
		return err;
	return snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_BUFFER_BYTES, 1024,
		1024 * 1024);
}

SND_PCM_PLUGIN_DEFINE_FUNC(paced)
{
	snd_config_iterator_t i, next;
	const char *stamps = NULL;
	Paced *p;
	int err;

	snd_config_for_each(i, next, conf) {
		snd_config_t *n = snd_config_iterator_entry(i);
		const char *id;
		if (snd_config_get_id(n, &id) < 0)
			continue;
		if (!strcmp(id, "comment") || !strcmp(id, "type") || !strcmp(id, "hint"))
			continue;
		if (!strcmp(id, "stamps") && snd_config_get_string(n, &stamps) == 0)
			continue;
		SNDERR("unknown field %s", id);
		return -EINVAL;
	}
	if (!stamps || stream != SND_PCM_STREAM_PLAYBACK)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->stamps = strdup(stamps);
	p->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	p->io.version = SND_PCM_IOPLUG_VERSION;
	p->io.name = "earshot paced sound card";
	p->io.callback = &paced_callback;
	p->io.private_data = p;
	p->io.poll_fd = p->timerfd;
	p->io.poll_events = POLLIN;
	p->io.mmap_rw = 0;
	if ((err = snd_pcm_ioplug_create(&p->io, name, stream, mode)) < 0) {
		close(p->timerfd);
		free(p->stamps);
		free(p);
		return err;
	}
	if ((err = constrain(&p->io)) < 0) {
		snd_pcm_ioplug_delete(&p->io);
		return err;
	}
	*pcmp = p->io.pcm;
	return 0;
}

SND_PCM_PLUGIN_SYMBOL(paced);
