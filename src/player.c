// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The player: a worker thread that turns utterances into sound. The main
 * loop only queues and cancels; synthesis and the sound device are touched
 * on the worker alone, so a slow card never blocks a D-Bus reply.
 */
#include "earshot/player.h"

#include "player-private.h"
#include "utterance-private.h"

struct Job {
	EarUtterance *utterance; /* NULL for a configuration job */
	guint id;
	char *device;
	EarVoice voice;
	EarPlayFunc func;
	gpointer user_data;
	GDestroyNotify destroy;
};

typedef struct {
	EarPlayer *player;
	EarPlayFunc func;
	gpointer user_data;
	GDestroyNotify destroy;
	EarPlayResult result;
	GError *error;
	GSource *source;
} Completion;


typedef struct {
	EarPlayer *player;
	gpointer sink;
	guint sink_rate;
	GCancellable *cancel;
	GError *error;
} Playback;

static void voice_clear(EarVoice *voice)
{
	g_clear_pointer(&voice->voice, g_free);
}

static void job_free(Job *job)
{
	if (job->destroy)
		job->destroy(job->user_data);
	ear_utterance_free(job->utterance);
	g_free(job->device);
	voice_clear(&job->voice);
	g_free(job);
}

/* --- completions, delivered on the owner's main context --- */

static gboolean completion_dispatch(gpointer data)
{
	Completion *c = data;
	EarPlayer *player = c->player;

	g_mutex_lock(&player->lock);
	player->completions = g_list_remove(player->completions, c);
	g_mutex_unlock(&player->lock);
	if (c->func)
		c->func(c->result, c->error, c->user_data);
	if (player->speaking && !ear_player_busy(player)) {
		player->speaking = FALSE;
		ear_player_proceed(player);
		player->hooks->finished(player->hooks_data);
	}
	return G_SOURCE_REMOVE;
}

static void completion_free(gpointer data)
{
	Completion *c = data;
	if (c->destroy)
		c->destroy(c->user_data);
	g_clear_error(&c->error);
	g_free(c);
}

/* Called with player->lock held. Takes @error. */
static void complete_locked(EarPlayer *player, Job *job, EarPlayResult result, GError *error)
{
	Completion *c = g_new0(Completion, 1);
	c->player = player;
	c->func = job->func;
	c->user_data = job->user_data;
	c->destroy = job->destroy;
	job->destroy = NULL;
	c->result = result;
	c->error = error;
	c->source = g_idle_source_new();
	g_source_set_priority(c->source, G_PRIORITY_DEFAULT);
	g_source_set_callback(c->source, completion_dispatch, c, completion_free);
	player->completions = g_list_prepend(player->completions, c);
	g_source_attach(c->source, player->context);
	g_source_unref(c->source);
	job_free(job);
}

/* --- the worker --- */

static gboolean ensure_sink(Playback *pb, guint rate)
{
	EarPlayer *player = pb->player;
	if (pb->sink && pb->sink_rate == rate)
		return TRUE;
	if (pb->sink && !player->sink_ops->drain(pb->sink, pb->cancel, &pb->error))
		return FALSE;
	g_clear_pointer(&pb->sink, player->sink_ops->close);
	pb->sink = ear_player_open_sink(player, rate, pb->cancel, &pb->error);
	pb->sink_rate = rate;
	return pb->sink != NULL;
}

static gboolean write_chunk(const gint16 *samples, gsize n, gpointer data)
{
	Playback *pb = data;
	EarPlayer *player = pb->player;
	guint rate = player->synth_ops->sample_rate(player->synth);
	return ensure_sink(pb, rate) &&
		player->sink_ops->write(pb->sink, samples, n, pb->cancel, &pb->error);
}

static gboolean apply_voice(EarPlayer *player, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (!player->synth) {
		g_propagate_error(error, g_error_copy(player->synth_error));
		return FALSE;
	}
	if (player->voice_dirty) {
		player->voice_dirty = FALSE;
		if (player->synth_ops->configure(player->synth, &player->voice, &local)) {
			player->voice_ok = TRUE;
		} else {
			/* A voice that worked before stays in use; the error is logged once, here. */
			g_warning("%s%s", local->message,
				player->voice_ok ? "; keeping the previous voice" : "");
			g_clear_error(&player->voice_error);
			player->voice_error = g_steal_pointer(&local);
		}
	}
	if (!player->voice_ok)
		g_propagate_error(error, g_error_copy(player->voice_error));
	return player->voice_ok;
}

static gboolean play_text(Playback *pb, const char *text)
{
	EarPlayer *player = pb->player;
	g_autoptr(GError) local = NULL;

	if (!apply_voice(player, &pb->error))
		return FALSE;
	if (player->synth_ops->render(player->synth, text, write_chunk, pb, &local))
		return TRUE;
	if (!pb->error)
		pb->error = g_steal_pointer(&local);
	return FALSE;
}

static gboolean play_silence(Playback *pb, guint ms)
{
	guint rate = pb->sink ? pb->sink_rate : 22050;
	gsize n = (gsize)rate * ms / 1000;
	g_autofree gint16 *zeros = g_new0(gint16, n ? n : 1);
	return ensure_sink(pb, rate) &&
		pb->player->sink_ops->write(pb->sink, zeros, n, pb->cancel, &pb->error);
}

static gboolean play_part(Playback *pb, const Part *part)
{
	EarPlayer *player = pb->player;
	gsize size = 0;
	const gint16 *s;

	switch (part->kind) {
	case PART_TEXT:
		return play_text(pb, part->text);
	case PART_PAUSE:
		return play_silence(pb, part->ms);
	case PART_CHIME:
		s = g_bytes_get_data(part->samples, &size);
		return ensure_sink(pb, part->rate) &&
			player->sink_ops->write(pb->sink, s, size / 2, pb->cancel, &pb->error);
	}
	return FALSE;
}

static EarPlayResult play_utterance(EarPlayer *player, EarUtterance *u, GCancellable *cancel,
	GError **error)
{
	Playback pb = { player, NULL, 0, cancel, NULL };
	gboolean ok = TRUE;

	for (guint i = 0; ok && i < u->parts->len; i++)
		ok = play_part(&pb, &g_array_index(u->parts, Part, i));
	if (ok && pb.sink)
		ok = player->sink_ops->drain(pb.sink, cancel, &pb.error);
	g_clear_pointer(&pb.sink, player->sink_ops->close);
	if (ok)
		return EAR_PLAY_DONE;
	if (g_cancellable_is_cancelled(cancel)) {
		g_clear_error(&pb.error);
		return EAR_PLAY_CANCELLED;
	}
	g_propagate_error(error, pb.error);
	return EAR_PLAY_FAILED;
}

static void configure(EarPlayer *player, Job *job)
{
	g_free(player->device);
	player->device = g_steal_pointer(&job->device);
	voice_clear(&player->voice);
	player->voice = job->voice;
	job->voice = (EarVoice){ 0 };
	player->voice_dirty = TRUE;
	/* Load the voice now, not when the first number must be spoken. */
	g_autoptr(GError) ignored = NULL;
	apply_voice(player, &ignored);
}

/* Called with player->lock held: a job may start (settings always; speech unless held). */
static gboolean job_ready(EarPlayer *player)
{
	Job *head = g_queue_peek_head(&player->jobs);
	return head && !(player->held && head->utterance);
}

static Job *next_job(EarPlayer *player)
{
	Job *job;
	g_mutex_lock(&player->lock);
	while (!player->quit && !job_ready(player))
		g_cond_wait(&player->cond, &player->lock);
	job = player->quit ? NULL : g_queue_pop_head(&player->jobs);
	if (job && job->utterance) {
		player->current = job;
		player->cancel = g_cancellable_new();
	}
	g_mutex_unlock(&player->lock);
	return job;
}

static gpointer worker(gpointer data)
{
	EarPlayer *player = data;
	Job *job;

	player->synth = player->synth_ops->create(&player->synth_error);
	if (!player->synth)
		g_warning("%s; Earshot cannot speak", player->synth_error->message);
	while ((job = next_job(player))) {
		if (!job->utterance) {
			configure(player, job);
			job_free(job);
			continue;
		}
		GError *error = NULL;
		EarPlayResult result = play_utterance(player, job->utterance, player->cancel, &error);
		g_mutex_lock(&player->lock);
		player->current = NULL;
		g_clear_object(&player->cancel);
		complete_locked(player, job, result, error);
		g_mutex_unlock(&player->lock);
	}
	g_clear_pointer(&player->synth, player->synth_ops->destroy);
	return NULL;
}

/* --- the main loop's side --- */

EarPlayer *ear_player_new(const EarSynthOps *synth, const EarSinkOps *sink)
{
	EarPlayer *player = g_new0(EarPlayer, 1);
	player->synth_ops = synth;
	player->sink_ops = sink;
	player->context = g_main_context_ref_thread_default();
	player->device = g_strdup("default");
	g_mutex_init(&player->lock);
	g_cond_init(&player->cond);
	g_queue_init(&player->jobs);
	player->thread = g_thread_new("earshot-player", worker, player);
	return player;
}

static void push_job(EarPlayer *player, Job *job)
{
	g_mutex_lock(&player->lock);
	g_queue_push_tail(&player->jobs, job);
	g_cond_signal(&player->cond);
	g_mutex_unlock(&player->lock);
}

void ear_player_configure(EarPlayer *player, const char *device, const EarVoice *voice)
{
	Job *job = g_new0(Job, 1);
	job->device = g_strdup(device);
	job->voice = *voice;
	job->voice.voice = g_strdup(voice->voice);
	push_job(player, job);
}

guint ear_player_play(EarPlayer *player, EarUtterance *u, EarPlayFunc func, gpointer user_data,
	GDestroyNotify destroy)
{
	Job *job = g_new0(Job, 1);
	guint id = ++player->last_id ? player->last_id : ++player->last_id;

	job->id = id;
	job->utterance = u;
	job->func = func;
	job->user_data = user_data;
	job->destroy = destroy;
	if (player->hooks && !player->speaking) {
		player->speaking = TRUE;
		if (player->hooks->starting(player->hooks_data)) {
			g_mutex_lock(&player->lock);
			player->held = TRUE;
			g_mutex_unlock(&player->lock);
		}
	}
	push_job(player, job); /* the worker may play and free it at once */
	return id;
}

void ear_player_set_hooks(EarPlayer *player, const EarPlayerHooks *hooks, gpointer user_data)
{
	player->hooks = hooks;
	player->hooks_data = user_data;
}

void ear_player_proceed(EarPlayer *player)
{
	g_mutex_lock(&player->lock);
	player->held = FALSE;
	g_cond_broadcast(&player->cond);
	g_mutex_unlock(&player->lock);
}

void ear_player_cancel(EarPlayer *player, guint id)
{
	if (!id)
		return;
	g_mutex_lock(&player->lock);
	for (GList *l = player->jobs.head; l; l = l->next) {
		Job *job = l->data;
		if (job->id == id) {
			g_queue_delete_link(&player->jobs, l);
			complete_locked(player, job, EAR_PLAY_CANCELLED, NULL);
			break;
		}
	}
	if (player->current && player->current->id == id && player->cancel)
		g_cancellable_cancel(player->cancel);
	g_mutex_unlock(&player->lock);
}

void ear_player_stop(EarPlayer *player)
{
	GQueue keep = G_QUEUE_INIT;
	Job *job;

	g_mutex_lock(&player->lock);
	while ((job = g_queue_pop_head(&player->jobs))) {
		if (job->utterance)
			complete_locked(player, job, EAR_PLAY_CANCELLED, NULL);
		else
			g_queue_push_tail(&keep, job); /* settings still apply */
	}
	player->jobs = keep;
	if (player->cancel)
		g_cancellable_cancel(player->cancel);
	g_mutex_unlock(&player->lock);
}

gboolean ear_player_busy(EarPlayer *player)
{
	gboolean busy;
	g_mutex_lock(&player->lock);
	busy = player->current != NULL;
	for (GList *l = player->jobs.head; l && !busy; l = l->next)
		busy = ((Job *)l->data)->utterance != NULL;
	g_mutex_unlock(&player->lock);
	return busy;
}

void ear_player_free(EarPlayer *player)
{
	if (!player)
		return;
	ear_player_stop(player);
	g_mutex_lock(&player->lock);
	player->quit = TRUE;
	g_cond_broadcast(&player->cond);
	g_mutex_unlock(&player->lock);
	g_thread_join(player->thread);
	g_queue_clear_full(&player->jobs, (GDestroyNotify)job_free);
	while (player->completions) {
		Completion *c = player->completions->data;
		player->completions = g_list_delete_link(player->completions, player->completions);
		g_source_destroy(c->source);
	}
	g_clear_error(&player->synth_error);
	g_clear_error(&player->voice_error);
	g_free(player->device);
	voice_clear(&player->voice);
	g_main_context_unref(player->context);
	g_mutex_clear(&player->lock);
	g_cond_clear(&player->cond);
	g_free(player);
}
