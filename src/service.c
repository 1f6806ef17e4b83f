// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * org.earshot.Earshot1, exported. Methods and reads that need to know who
 * calls wait for the caller check (caller.h) and are then answered once, by
 * the handler in the table. Properties are cached as last published, so
 * PropertiesChanged carries exactly what changed. No passkey or PIN is ever
 * known here: the daemon's observer interface has none to give.
 */
#include "earshot/service.h"

#include "earshot1-iface.h"

#define PROPERTIES "org.freedesktop.DBus.Properties"
#define ERROR_ACCESS_DENIED "org.freedesktop.DBus.Error.AccessDenied"
#define ERROR_INVALID_ARGS "org.freedesktop.DBus.Error.InvalidArgs"
#define ERROR_FAILED "org.freedesktop.DBus.Error.Failed"

struct EarService {
	GDBusConnection *connection;
	EarDaemon *daemon;
	EarCallerRule rule;
	guint registration;
	guint name_id;
	GCancellable *cancel;    /* of the caller checks in flight */
	gboolean warned;         /* about a caller the bus should have stopped */
	EarDaemonState state;    /* as last published */
	guint64 closes_at;       /* wall clock of state.window_until_us, seconds */
	guint64 locked_until;    /* likewise of state.locked_until_us */
	const char *outcome;     /* "", "paired", "failed", "refused" */
	guint64 outcome_at;
	char *name;              /* of the last outcome's device; "" if unknown */
};

/* --- properties --- */

static guint64 wall_clock_s(gint64 monotonic_us)
{
	if (!monotonic_us)
		return 0;
	return (guint64)((g_get_real_time() + monotonic_us - g_get_monotonic_time()) / G_USEC_PER_SEC);
}

static guint seconds_left(EarService *s)
{
	gint64 left = s->state.window_until_us - g_get_monotonic_time();
	if (!s->state.window_open || left <= 0)
		return 0;
	return (guint)((left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

/* The value of property @name (floating); LastName only for @allowed callers. */
static GVariant *property_value(EarService *s, const char *name, gboolean allowed)
{
	if (g_str_equal(name, "Registered"))
		return g_variant_new_boolean(s->state.registered);
	if (g_str_equal(name, "WindowOpen"))
		return g_variant_new_boolean(s->state.window_open);
	if (g_str_equal(name, "WindowClosesAt"))
		return g_variant_new_uint64(s->closes_at);
	if (g_str_equal(name, "WindowSecondsLeft"))
		return g_variant_new_uint32(seconds_left(s));
	if (g_str_equal(name, "LockedOut"))
		return g_variant_new_boolean(s->state.locked_until_us != 0);
	if (g_str_equal(name, "LockedUntil"))
		return g_variant_new_uint64(s->locked_until);
	if (g_str_equal(name, "LastOutcome"))
		return g_variant_new_string(s->outcome);
	if (g_str_equal(name, "LastOutcomeAt"))
		return g_variant_new_uint64(s->outcome_at);
	if (g_str_equal(name, "LastName"))
		return g_variant_new_string(allowed ? s->name : "");
	g_critical("Earshot1.%s is in the interface but has no value here", name);
	return NULL;
}

static void emit_changed(EarService *s, GVariantBuilder *changed, const char *const *invalidated)
{
	g_autoptr(GError) error = NULL;
	const char *const none[] = { NULL };

	if (!g_dbus_connection_emit_signal(s->connection, NULL, EAR_SERVICE_PATH, PROPERTIES,
		    "PropertiesChanged", g_variant_new("(sa{sv}^as)", EAR_SERVICE_INTERFACE, changed,
			    invalidated ? invalidated : none), &error))
		g_warning("cannot emit PropertiesChanged: %s", error->message);
}

static void add_changed(EarService *s, GVariantBuilder *b, const char *name, guint *count)
{
	g_variant_builder_add(b, "{sv}", name, property_value(s, name, FALSE));
	(*count)++;
}

static void on_changed(gpointer data)
{
	EarService *s = data;
	EarDaemonState old = s->state;
	GVariantBuilder b;
	guint n = 0;

	ear_daemon_get_state(s->daemon, &s->state);
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	if (old.registered != s->state.registered)
		add_changed(s, &b, "Registered", &n);
	if (old.window_open != s->state.window_open)
		add_changed(s, &b, "WindowOpen", &n);
	if (old.window_until_us != s->state.window_until_us) {
		s->closes_at = wall_clock_s(s->state.window_until_us);
		add_changed(s, &b, "WindowClosesAt", &n);
	}
	if (!old.locked_until_us != !s->state.locked_until_us)
		add_changed(s, &b, "LockedOut", &n);
	if (old.locked_until_us != s->state.locked_until_us) {
		s->locked_until = wall_clock_s(s->state.locked_until_us);
		add_changed(s, &b, "LockedUntil", &n);
	}
	if (n)
		emit_changed(s, &b, NULL);
	else
		g_variant_builder_clear(&b);
}

/* --- outcomes --- */

static const char *outcome_word(EarOutcome outcome)
{
	switch (outcome) {
	case EAR_OUTCOME_PAIRED:
		return "paired";
	case EAR_OUTCOME_FAILED:
		return "failed";
	case EAR_OUTCOME_REFUSED:
		return "refused";
	}
	return "";
}

static const char *signal_name(EarOutcome outcome)
{
	switch (outcome) {
	case EAR_OUTCOME_PAIRED:
		return "Paired";
	case EAR_OUTCOME_FAILED:
		return "Failed";
	case EAR_OUTCOME_REFUSED:
		return "Refused";
	}
	return NULL;
}

static GVariant *outcome_args(EarOutcome outcome, guint64 at, const char *why)
{
	switch (outcome) {
	case EAR_OUTCOME_PAIRED:
		return g_variant_new("(t)", at);
	case EAR_OUTCOME_FAILED:
	case EAR_OUTCOME_REFUSED:
		return g_variant_new("(ts)", at, why ? why : "");
	}
	return NULL;
}

/* The properties first, so a client woken by the signal reads the new LastName. */
static void on_outcome(EarOutcome outcome, const char *name, const char *why, gpointer data)
{
	EarService *s = data;
	const char *const invalidated[] = { "LastName", NULL };
	g_autoptr(GError) error = NULL;
	GVariantBuilder b;
	guint n = 0;

	s->outcome = outcome_word(outcome);
	s->outcome_at = (guint64)(g_get_real_time() / G_USEC_PER_SEC);
	g_free(s->name);
	s->name = g_strdup(name ? name : "");
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	add_changed(s, &b, "LastOutcome", &n);
	add_changed(s, &b, "LastOutcomeAt", &n);
	emit_changed(s, &b, invalidated);
	if (!g_dbus_connection_emit_signal(s->connection, NULL, EAR_SERVICE_PATH,
		    EAR_SERVICE_INTERFACE, signal_name(outcome), outcome_args(outcome, s->outcome_at, why),
		    &error))
		g_warning("cannot emit the %s signal: %s", s->outcome, error->message);
}

static const EarDaemonObserver observer = {
	.changed = on_changed,
	.outcome = on_outcome,
};

/* --- methods --- */

/* Answers @inv; @allowed: the caller passed the check. */
typedef void (*Handler)(EarService *s, GDBusMethodInvocation *inv, gboolean allowed);

static void deny(EarService *s, GDBusMethodInvocation *inv)
{
	const char *sender = g_dbus_method_invocation_get_sender(inv);
	const char *method = g_dbus_method_invocation_get_method_name(inv);

	/* The bus policy should have stopped it: say so once, loudly. */
	if (!s->warned)
		g_warning("refused %s from %s: only root and the group earshot may call it, and "
			"the bus should have said so (is the D-Bus policy file for %s missing?)",
			method, sender ? sender : "(unknown)", EAR_SERVICE_NAME);
	else
		g_debug("refused %s from %s", method, sender ? sender : "(unknown)");
	s->warned = TRUE;
	g_dbus_method_invocation_return_dbus_error(inv, ERROR_ACCESS_DENIED,
		"only root and the group earshot may do this");
}

static void do_open(EarService *s, GDBusMethodInvocation *inv, gboolean allowed)
{
	guint max = ear_daemon_window_seconds(s->daemon);
	guint seconds;

	if (!allowed) {
		deny(s, inv);
		return;
	}
	g_variant_get(g_dbus_method_invocation_get_parameters(inv), "(u)", &seconds);
	if (seconds > max) {
		g_autofree char *why = g_strdup_printf("seconds: at most %u (the configured window), "
			"got %u", max, seconds);
		g_dbus_method_invocation_return_dbus_error(inv, ERROR_INVALID_ARGS, why);
		return;
	}
	g_message("pairing window opened over D-Bus by %s", g_dbus_method_invocation_get_sender(inv));
	ear_daemon_open_window_for(s->daemon, seconds ? seconds : max);
	g_dbus_method_invocation_return_value(inv, NULL);
}

static void do_close(EarService *s, GDBusMethodInvocation *inv, gboolean allowed)
{
	if (!allowed) {
		deny(s, inv);
		return;
	}
	ear_daemon_close_window(s->daemon, "closed over D-Bus");
	g_dbus_method_invocation_return_value(inv, NULL);
}

static void do_get(EarService *s, GDBusMethodInvocation *inv, gboolean allowed)
{
	const GDBusPropertyInfo *p = g_dbus_method_invocation_get_property_info(inv);
	GVariant *value = p ? property_value(s, p->name, allowed) : NULL;

	if (!value) {
		g_dbus_method_invocation_return_dbus_error(inv, ERROR_INVALID_ARGS, "no such property");
		return;
	}
	g_dbus_method_invocation_return_value(inv, g_variant_new("(v)", value));
}

static void do_get_all(EarService *s, GDBusMethodInvocation *inv, gboolean allowed)
{
	GDBusPropertyInfo **p = ear_earshot1_interface.properties;
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	for (; *p; p++)
		g_variant_builder_add(&b, "{sv}", (*p)->name, property_value(s, (*p)->name, allowed));
	g_dbus_method_invocation_return_value(inv, g_variant_new("(a{sv})", &b));
}

static void do_set(EarService *s, GDBusMethodInvocation *inv, gboolean allowed)
{
	g_dbus_method_invocation_return_dbus_error(inv, "org.freedesktop.DBus.Error.PropertyReadOnly",
		"every property is read-only");
}

typedef struct {
	const char *interface;
	const char *name;
	gboolean check; /* wait for the caller check first */
	Handler run;
} Method;

static const Method methods[] = {
	{ EAR_SERVICE_INTERFACE, "Open", TRUE, do_open },
	{ EAR_SERVICE_INTERFACE, "Close", TRUE, do_close },
	{ PROPERTIES, "Get", TRUE, do_get }, /* LastName depends on who asks */
	{ PROPERTIES, "GetAll", TRUE, do_get_all },
	{ PROPERTIES, "Set", FALSE, do_set },
};

typedef struct {
	EarService *service; /* not to be touched once the check was cancelled */
	GDBusMethodInvocation *inv;
	Handler run;
} Pending;

static void on_checked(GObject *source, GAsyncResult *res, gpointer data)
{
	g_autofree Pending *p = data;
	g_autoptr(GError) error = NULL;
	gboolean allowed = ear_caller_check_finish(res, &error);

	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		g_dbus_method_invocation_return_dbus_error(p->inv, ERROR_FAILED, "Earshot is stopping");
		return;
	}
	if (error && !g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED))
		g_warning("cannot tell who called %s, so refusing what only some may do: %s",
			g_dbus_method_invocation_get_method_name(p->inv), error->message);
	p->run(p->service, p->inv, allowed);
}

static void on_method_call(GDBusConnection *connection, const char *sender, const char *path,
	const char *interface, const char *method, GVariant *params, GDBusMethodInvocation *inv,
	gpointer user_data)
{
	EarService *s = user_data;

	for (gsize i = 0; i < G_N_ELEMENTS(methods); i++) {
		const Method *m = &methods[i];
		if (!g_str_equal(m->interface, interface) || !g_str_equal(m->name, method))
			continue;
		if (!m->check) {
			m->run(s, inv, FALSE);
			return;
		}
		Pending *p = g_new0(Pending, 1);
		*p = (Pending){ s, inv, m->run };
		ear_caller_check(connection, sender, &s->rule, s->cancel, on_checked, p);
		return;
	}
	/* GDBus answers methods missing from the XML; the table misses this one */
	g_critical("%s.%s is in the interface but not in the method table", interface, method);
	g_dbus_method_invocation_return_dbus_error(inv, "org.freedesktop.DBus.Error.UnknownMethod",
		"no such method");
}

/* get_property and set_property NULL: GDBus hands property calls to on_method_call. */
static const GDBusInterfaceVTable vtable = { .method_call = on_method_call };

/* --- life cycle --- */

static void on_name_acquired(GDBusConnection *connection, const char *name, gpointer data)
{
	g_message("on the system bus as %s", name);
}

static void on_name_lost(GDBusConnection *connection, const char *name, gpointer data)
{
	g_warning("cannot own the bus name %s (is its D-Bus policy file installed?): "
		"earshotctl cannot reach Earshot; the agent works on", name);
}

EarService *ear_service_new(GDBusConnection *connection, EarDaemon *daemon,
	const EarCallerRule *rule, GError **error)
{
	g_autoptr(EarService) s = g_new0(EarService, 1);
	s->connection = g_object_ref(connection);
	s->daemon = daemon;
	s->rule = *rule;
	s->cancel = g_cancellable_new();
	s->outcome = "";
	s->name = g_strdup("");
	ear_daemon_get_state(daemon, &s->state);
	s->closes_at = wall_clock_s(s->state.window_until_us);
	s->locked_until = wall_clock_s(s->state.locked_until_us);
	s->registration = g_dbus_connection_register_object(connection, EAR_SERVICE_PATH,
		(GDBusInterfaceInfo *)&ear_earshot1_interface, &vtable, s, NULL, error);
	if (!s->registration)
		return NULL;
	ear_daemon_watch(daemon, &observer, s);
	s->name_id = g_bus_own_name_on_connection(connection, EAR_SERVICE_NAME,
		G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE, on_name_acquired, on_name_lost, NULL, NULL);
	return g_steal_pointer(&s);
}

void ear_service_free(EarService *s)
{
	if (!s)
		return;
	if (s->cancel)
		g_cancellable_cancel(s->cancel);
	if (s->name_id)
		g_bus_unown_name(s->name_id);
	if (s->registration) {
		ear_daemon_unwatch(s->daemon, s);
		g_dbus_connection_unregister_object(s->connection, s->registration);
	}
	g_clear_object(&s->cancel);
	g_clear_object(&s->connection);
	g_free(s->name);
	g_free(s);
}
