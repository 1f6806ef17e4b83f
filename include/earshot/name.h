/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device names come from a stranger's radio. Before a name is spoken it is
 * made into short, plain, printable text.
 */
#ifndef EARSHOT_NAME_H
#define EARSHOT_NAME_H

#include <glib.h>

G_BEGIN_DECLS

#define EAR_NAME_MAX_CHARS 32

/*
 * Returns a newly allocated copy of @raw (any bytes, may be NULL) that is
 * valid UTF-8, has no control, format or bidi characters, no markup
 * characters (< > & [ ] { } \ / | ` ^ _ * # @ =), collapsed white space, and at most
 * EAR_NAME_MAX_CHARS characters. Returns "" when nothing speakable is left.
 */
char *ear_name_sanitize(const char *raw);

G_END_DECLS

#endif /* EARSHOT_NAME_H */
