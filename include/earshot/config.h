/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Earshot configuration: an immutable, reference-counted snapshot of
 * /etc/earshot/earshot.conf (GKeyFile). Every value is validated when the
 * file is read; errors carry "FILE:LINE: key: what was expected".
 */
#ifndef EARSHOT_CONFIG_H
#define EARSHOT_CONFIG_H

#include <glib.h>

#include "earshot/wav.h"

G_BEGIN_DECLS

#define EAR_CONFIG_ERROR (ear_config_error_quark())
GQuark ear_config_error_quark(void);

typedef enum {
	EAR_CONFIG_ERROR_READ,    /* the file cannot be read or parsed */
	EAR_CONFIG_ERROR_INVALID, /* a value is out of range or malformed */
} EarConfigError;

typedef enum {
	EAR_LEGACY_PIN_SPOKEN,
	EAR_LEGACY_PIN_REJECT,
} EarLegacyPin;

typedef enum {
	EAR_CONFIRM_SPEAK, /* accept numeric comparison once the number has been spoken */
	EAR_CONFIRM_KEY,   /* ... only when the button is pressed after that */
} EarConfirm;

typedef enum {
	EAR_JUST_WORKS_REJECT,
	EAR_JUST_WORKS_ACCEPT,
} EarJustWorks;

/* What Earshot does to music that plays while it speaks ([music] duck). */
typedef enum {
	EAR_DUCK_AUTO,   /* lower its volume; pause it when the sound card cannot be shared */
	EAR_DUCK_VOLUME, /* only lower its volume */
	EAR_DUCK_PAUSE,  /* only pause it (AVRCP) */
	EAR_DUCK_OFF,    /* leave it alone: a busy card means no speech */
} EarDuck;

/* The words of every prompt, indexed by EarPrompt; "paired" may contain {name}. */
typedef enum {
	EAR_PROMPT_READY,
	EAR_PROMPT_CODE,
	EAR_PROMPT_AGAIN,
	EAR_PROMPT_PIN,
	EAR_PROMPT_PAIRED,
	EAR_PROMPT_PAIRED_UNNAMED,
	EAR_PROMPT_FAILED,
	EAR_PROMPT_CLOSED,
	EAR_PROMPT_LOCKED,
	EAR_PROMPT_PRESS,
	EAR_PROMPT_COUNT,
} EarPrompt;

/* Too many failures → pairing refused for a while. */
typedef struct {
	guint per_device; /* failures of one device ... */
	guint any_device; /* ... or of all devices ... */
	guint period_s;   /* ... within this many seconds ... */
	guint duration_s; /* ... lock pairing for this long */
} EarLockoutConfig;

typedef struct {
	/* [pairing] */
	guint window_s;
	gboolean close_after_pairing;
	gboolean manage_adapter;
	EarLegacyPin legacy_pin;
	EarJustWorks just_works;
	EarConfirm confirm;
	char **allowed_services; /* lower-case 128-bit UUIDs, NULL-terminated */
	/* [button] */
	char *button_device; /* NULL: no button */
	guint button_key;
	gboolean window_key;
	/* [lockout] */
	EarLockoutConfig lockout;
	/* [speech] */
	char *device;
	char *voice;
	guint rate;   /* words per minute */
	guint volume; /* espeak-ng amplitude, 0..200 */
	gboolean speak_names;
	char *paired_chime_path;
	char *failed_chime_path;
	EarChime paired_chime;
	EarChime failed_chime;
	/* [music] */
	EarDuck duck;
	guint duck_db; /* how far the music is lowered while Earshot speaks */
	/* [prompts] */
	char *prompts[EAR_PROMPT_COUNT];
} EarConfig;

/*
 * Every key the file may hold, one per line: "group.key<TAB>type<TAB>default",
 * in the order of the file. Free with g_free().
 */
char *ear_config_describe_keys(void);

/* The built-in defaults (what an empty file gives). Never fails. */
EarConfig *ear_config_new_default(void);

/*
 * Reads and validates @path. When @missing_ok is TRUE and the file does not
 * exist, returns the defaults. Unknown groups and keys are logged as warnings.
 * Returns a new reference, or NULL with @error set.
 */
EarConfig *ear_config_load(const char *path, gboolean missing_ok, GError **error);

/* Parses @data as if it were the file @path (for tests and fuzzing). */
EarConfig *ear_config_load_data(const char *path, const char *data, gsize len, GError **error);

EarConfig *ear_config_ref(EarConfig *config);
void ear_config_unref(EarConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EarConfig, ear_config_unref)

/* TRUE if @uuid (any accepted spelling) is in allowed-services. */
gboolean ear_config_service_allowed(const EarConfig *config, const char *uuid);

G_END_DECLS

#endif /* EARSHOT_CONFIG_H */
