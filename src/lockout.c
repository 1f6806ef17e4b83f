// SPDX-License-Identifier: GPL-2.0-or-later
/* Counting failed pairings, and refusing for a while when there are too many. */
#include "earshot/lockout.h"

typedef struct {
	char *device;
	gint64 at_us;
	gboolean spoken; /* counts towards the all-devices limit */
} Failure;

typedef struct {
	gint64 until_us;
	gboolean announced;
} Lock;

struct EarLockout {
	GQueue failures;      /* Failure *, oldest first, within the period */
	GHashTable *devices;  /* device → Lock * */
	Lock all;             /* every device */
};

static void failure_free(Failure *f)
{
	g_free(f->device);
	g_free(f);
}

EarLockout *ear_lockout_new(void)
{
	EarLockout *l = g_new0(EarLockout, 1);
	g_queue_init(&l->failures);
	l->devices = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return l;
}

void ear_lockout_free(EarLockout *l)
{
	if (!l)
		return;
	g_queue_clear_full(&l->failures, (GDestroyNotify)failure_free);
	g_hash_table_unref(l->devices);
	g_free(l);
}

static void forget_old(EarLockout *l, gint64 since_us)
{
	Failure *f;
	while ((f = g_queue_peek_head(&l->failures)) && f->at_us < since_us)
		failure_free(g_queue_pop_head(&l->failures));
}

static guint count_device(EarLockout *l, const char *device)
{
	guint n = 0;
	for (GList *i = l->failures.head; i; i = i->next)
		n += g_str_equal(((Failure *)i->data)->device, device);
	return n;
}

static guint count_spoken(EarLockout *l)
{
	guint n = 0;
	for (GList *i = l->failures.head; i; i = i->next)
		n += ((Failure *)i->data)->spoken;
	return n;
}

static void lock(Lock *lock, gint64 until_us)
{
	lock->until_us = until_us;
	lock->announced = FALSE;
}

/* Once locked, those failures are spent: counting starts afresh after the lockout. */
static void forget_device(EarLockout *l, const char *device)
{
	for (GList *i = l->failures.head, *next; i; i = next) {
		next = i->next;
		if (!device || g_str_equal(((Failure *)i->data)->device, device)) {
			failure_free(i->data);
			g_queue_delete_link(&l->failures, i);
		}
	}
}

void ear_lockout_record(EarLockout *l, const EarLockoutConfig *c, const char *device,
	gboolean spoken, gint64 now_us)
{
	Failure *f = g_new0(Failure, 1);
	gint64 until = now_us + (gint64)c->duration_s * G_USEC_PER_SEC;

	if (!device)
		device = "";
	forget_old(l, now_us - (gint64)c->period_s * G_USEC_PER_SEC);
	f->device = g_strdup(device);
	f->at_us = now_us;
	f->spoken = spoken;
	g_queue_push_tail(&l->failures, f);
	if (count_device(l, device) >= c->per_device) {
		Lock *dl = g_new0(Lock, 1);
		lock(dl, until);
		g_hash_table_replace(l->devices, g_strdup(device), dl);
		forget_device(l, device);
		g_message("too many failed pairings from one device: it is locked out for %u s",
			c->duration_s);
	}
	if (spoken && count_spoken(l) >= c->any_device) {
		lock(&l->all, until);
		forget_device(l, NULL);
		g_message("too many failed pairings: pairing is locked for %u s", c->duration_s);
	}
}

static Lock *active_lock(EarLockout *l, const char *device, gint64 now_us)
{
	Lock *dl = g_hash_table_lookup(l->devices, device ? device : "");
	if (l->all.until_us > now_us)
		return &l->all;
	if (dl && dl->until_us > now_us)
		return dl;
	return NULL;
}

gboolean ear_lockout_is_locked(EarLockout *l, const char *device, gint64 now_us)
{
	return active_lock(l, device, now_us) != NULL;
}

gboolean ear_lockout_take_announcement(EarLockout *l, const char *device, gint64 now_us)
{
	Lock *lk = active_lock(l, device, now_us);
	if (!lk || lk->announced)
		return FALSE;
	lk->announced = TRUE;
	return TRUE;
}

gint64 ear_lockout_all_until(EarLockout *l, gint64 now_us)
{
	return l->all.until_us > now_us ? l->all.until_us : 0;
}

void ear_lockout_clear(EarLockout *l)
{
	forget_device(l, NULL);
	g_hash_table_remove_all(l->devices);
	l->all = (Lock){ 0 };
}
