/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The key table shared by the parts of the configuration: config-keys.c owns
 * the table (every key, its type, its field, its range and its default) and
 * turns one value into one field; config.c reads the file and walks the table.
 */
#ifndef EARSHOT_CONFIG_PRIVATE_H
#define EARSHOT_CONFIG_PRIVATE_H

#include "earshot/config.h"
#include "earshot/uuid.h"

G_BEGIN_DECLS

typedef enum {
	EAR_KEY_BOOL,     /* gboolean: true/false, yes/no, 1/0 */
	EAR_KEY_UINT,     /* guint within [min, max] */
	EAR_KEY_ENUM,     /* int: the index of the value in names */
	EAR_KEY_TEXT,     /* char *: a non-empty line of plain text */
	EAR_KEY_VOICE,    /* char *: an espeak-ng voice name */
	EAR_KEY_CHIME,    /* char *: the path of a WAV file, "" for none */
	EAR_KEY_INPUT,    /* char *: an evdev device path, NULL for none */
	EAR_KEY_KEY_CODE, /* guint: a key name from linux/input-event-codes.h */
	EAR_KEY_SERVICES, /* char **: normalised UUIDs, NULL-terminated (keep last) */
} EarKeyType;

typedef struct {
	const char *group;
	const char *key;
	EarKeyType type;
	gsize offset;             /* of the field in EarConfig */
	guint min, max;           /* EAR_KEY_UINT */
	const char *unit;         /* EAR_KEY_UINT: "a number of seconds" */
	const char *const *names; /* EAR_KEY_ENUM, NULL-terminated */
	const char *fallback;     /* the default, as it would be written in the file */
} EarConfigKey;

/* The table, in the order of the sample file; sets *@n. */
const EarConfigKey *ear_config_keys(gsize *n);

/* The entry for @key in @group (any key of @group when @key is NULL), or NULL. */
const EarConfigKey *ear_config_key_find(const char *group, const char *key);

/*
 * Parses @value (already stripped) into @key's field of @config. On failure
 * returns FALSE, leaves the field as it was, and sets *@expected to a new
 * string saying what the key takes ("true or false").
 */
gboolean ear_config_key_parse(const EarConfigKey *key, const char *value, EarConfig *config,
	char **expected);

/* Frees whatever @key's field of @config owns. */
void ear_config_key_clear(const EarConfigKey *key, EarConfig *config);

G_END_DECLS

#endif /* EARSHOT_CONFIG_PRIVATE_H */
