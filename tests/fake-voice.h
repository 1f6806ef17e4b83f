/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A synthesiser that writes down what it is asked to say, and a sink that
 * plays at (a multiple of) real time without a sound card. They stand behind
 * the player's two seams in tests that are about logic, not sound. State is
 * global and guarded by a mutex: the player calls these from its thread.
 */
#ifndef EARSHOT_TESTS_FAKE_VOICE_H
#define EARSHOT_TESTS_FAKE_VOICE_H

#include "earshot/voice.h"

G_BEGIN_DECLS

#define FAKE_VOICE_RATE 16000
/* Every character of text becomes this much audio. */
#define FAKE_VOICE_MS_PER_CHAR 5

const EarSynthOps *fake_synth_ops(void);
const EarSinkOps *fake_sink_ops(void);

/* Forgets everything said and restores the defaults (real time, opens succeed). */
void fake_voice_reset(void);

/* How many rendered texts contain @needle (NULL: all of them). */
guint fake_voice_count(const char *needle);
/* All texts rendered so far, in order (free with g_strfreev). */
char **fake_voice_spoken(void);

/* Speed of the sink: 1.0 is real time, 0 does not wait at all. */
void fake_sink_set_speed(double speed);
/* When set, open() fails as if there were no sound card, and a write in
 * progress fails as if the card had been unplugged. */
void fake_sink_set_broken(gboolean broken);
guint fake_sink_open_count(void);
gboolean fake_sink_is_open(void);
/* Monotonic time of the last close(), in µs. */
gint64 fake_sink_last_close_us(void);
/* Monotonic time of the first open() since the reset (0: none), in µs. */
gint64 fake_sink_first_open_us(void);
/* Samples written since the reset. */
guint64 fake_sink_samples(void);

G_END_DECLS

#endif
