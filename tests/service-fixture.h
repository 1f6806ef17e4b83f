/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon fixture (daemon-fixture.h) plus org.earshot.Earshot1 on its bus
 * and a client on a connection of its own that records every signal from
 * /org/earshot. Calls are answered while the main loop turns, since the
 * daemon runs in the test's own process. Shared by test-service and
 * test-service-access.
 */
#ifndef EARSHOT_TESTS_SERVICE_FIXTURE_H
#define EARSHOT_TESTS_SERVICE_FIXTURE_H

#include "daemon-fixture.h"
#include "earshot/service.h"

#define NOBODY_UID 4242424u /* a user no test runs as */
#define DENIED "org.freedesktop.DBus.Error.AccessDenied"
#define INVALID_ARGS "org.freedesktop.DBus.Error.InvalidArgs"

extern EarService *service;
extern GDBusConnection *client;

/* setup_with(@extra_config), then the service with @rule, the client, and org.earshot owned. */
void start_service(EarCallerRule rule, const char *extra_config);
void teardown_service(void);

/* Calls @method of @iface on Earshot; returns the reply (NULL on error, named in *@error). */
GVariant *ask(const char *iface, const char *method, GVariant *args, char **error);
/* Calls an Earshot1 method; returns the error name, or "" for success. */
char *call_method(const char *method, GVariant *args);
/* Earshot1 properties, read with Properties.Get. */
GVariant *get(const char *name);
gboolean get_bool(const char *name);
guint64 get_u64(const char *name); /* of a "u" or a "t" */
char *get_str(const char *name);

/* How many signals so far contain @needle ("Member (args)", type-annotated). */
guint seen_count(const char *needle);
/* Waits until @count signals containing @needle have come. */
gboolean wait_seen(const char *needle, guint count);

#endif
