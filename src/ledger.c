// SPDX-License-Identifier: GPL-2.0-or-later
/* The pairing attempt holding the floor, and how it ends. */
#include "earshot/ledger.h"

#include <string.h>

struct EarLedger {
	EarLedgerEnded ended;
	gpointer user_data;
	EarAttempt *current;
};

static void attempt_free(EarAttempt *a)
{
	g_clear_handle_id(&a->deadline, g_source_remove);
	explicit_bzero(a->pin, sizeof(a->pin));
	a->passkey = 0;
	g_free(a->device);
	g_free(a->key);
	g_free(a);
}

EarLedger *ear_ledger_new(EarLedgerEnded ended, gpointer user_data)
{
	EarLedger *l = g_new0(EarLedger, 1);
	l->ended = ended;
	l->user_data = user_data;
	return l;
}

void ear_ledger_free(EarLedger *l)
{
	if (!l)
		return;
	g_clear_pointer(&l->current, attempt_free);
	g_free(l);
}

EarAttempt *ear_ledger_current(EarLedger *l)
{
	return l->current;
}

EarAttempt *ear_ledger_find(EarLedger *l, const char *device)
{
	if (!l->current || g_strcmp0(l->current->device, device) != 0)
		return NULL;
	return l->current;
}

gboolean ear_ledger_busy_for(EarLedger *l, const char *device)
{
	return l->current && g_strcmp0(l->current->device, device) != 0;
}

EarAttempt *ear_ledger_take(EarLedger *l, const char *device, const char *key,
	EarRequestKind kind)
{
	if (ear_ledger_busy_for(l, device))
		return NULL;
	if (!l->current) {
		l->current = g_new0(EarAttempt, 1);
		l->current->device = g_strdup(device);
		l->current->key = g_strdup(key);
	}
	l->current->kind = kind;
	l->current->pin_offer = FALSE;
	explicit_bzero(l->current->pin, sizeof(l->current->pin));
	return l->current;
}

static gboolean on_deadline(gpointer data)
{
	EarLedger *l = data;
	l->current->deadline = 0;
	ear_ledger_end(l, NULL, EAR_END_FAILED, "the device did not pair in time");
	return G_SOURCE_REMOVE;
}

void ear_ledger_set_deadline(EarLedger *l, guint seconds)
{
	g_return_if_fail(l->current);
	g_clear_handle_id(&l->current->deadline, g_source_remove);
	if (seconds)
		l->current->deadline = g_timeout_add_seconds(seconds, on_deadline, l);
}

void ear_ledger_hold(EarLedger *l, guint64 serial, EarAwait await)
{
	g_return_if_fail(l->current);
	l->current->serial = serial;
	l->current->await = serial ? await : EAR_AWAIT_NONE;
}

guint64 ear_ledger_release(EarLedger *l, EarAwait await)
{
	if (!l->current || !l->current->serial || l->current->await != await)
		return 0;
	guint64 serial = l->current->serial;
	l->current->await = EAR_AWAIT_NONE;
	l->current->serial = 0;
	return serial;
}

void ear_ledger_end(EarLedger *l, const char *device, EarEnd end, const char *why)
{
	EarAttempt *a = device ? ear_ledger_find(l, device) : l->current;
	if (!a)
		return;
	l->current = NULL;
	g_clear_handle_id(&a->deadline, g_source_remove);
	l->ended(a, end, why, l->user_data);
	attempt_free(a);
}
