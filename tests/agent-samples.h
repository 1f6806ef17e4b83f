/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Valid Agent1 arguments made from a method table signature, so that tests
 * and the fuzzer's seeds follow the table instead of a list of their own.
 */
#ifndef EARSHOT_TESTS_AGENT_SAMPLES_H
#define EARSHOT_TESTS_AGENT_SAMPLES_H

#include <glib.h>

#define SAMPLE_DEVICE "/org/bluez/hci0/dev_00_11_22_33_44_55"
#define SAMPLE_PASSKEY 123456
#define SAMPLE_ENTERED 3
/* Both a valid PIN (DisplayPinCode) and a valid 16-bit UUID (AuthorizeService). */
#define SAMPLE_STRING "110b"

/*
 * A floating tuple of @signature ("(ou)", "()", ...) whose values every
 * request of that signature accepts: o SAMPLE_DEVICE, u SAMPLE_PASSKEY,
 * q SAMPLE_ENTERED, s SAMPLE_STRING. Aborts on any other type.
 */
GVariant *agent_sample_args(const char *signature);

#endif /* EARSHOT_TESTS_AGENT_SAMPLES_H */
