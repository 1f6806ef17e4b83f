// SPDX-License-Identifier: GPL-2.0-or-later
/* The pairing policy and the words of every announcement, table by table. */
#include <check.h>

#include "check-main.h"
#include "earshot/announce.h"
#include "earshot/config.h"
#include "earshot/policy.h"

#define A2DP_SINK "0000110d-0000-1000-8000-00805f9b34fb"
#define HID "00001124-0000-1000-8000-00805f9b34fb"
#define PAN "00001115-0000-1000-8000-00805f9b34fb"

typedef struct {
	const char *what;
	EarRequestKind kind;
	gboolean window_open;
	gboolean paired;
	gboolean have_pin;
	const char *uuid;
	EarLegacyPin legacy_pin;
	EarJustWorks just_works;
	EarVerdict verdict;
	EarReason reason;
	EarRefusalPrompt prompt;
	gboolean locked;
	gboolean busy;    /* another device holds the floor */
	gboolean unknown; /* bluetoothd has no such device */
} PolicyCase;

#define SPOKEN EAR_LEGACY_PIN_SPOKEN
#define NOPIN EAR_LEGACY_PIN_REJECT
#define JW_NO EAR_JUST_WORKS_REJECT
#define JW_OK EAR_JUST_WORKS_ACCEPT

static const PolicyCase policy_cases[] = {
	{ "confirmation, open", EAR_REQ_CONFIRMATION, TRUE, FALSE, FALSE, NULL, SPOKEN, JW_NO,
		EAR_VERDICT_SPEAK_THEN_ACCEPT, EAR_REASON_NONE, EAR_SAY_NOTHING },
	{ "confirmation, closed", EAR_REQ_CONFIRMATION, FALSE, FALSE, FALSE, NULL, SPOKEN, JW_NO,
		EAR_VERDICT_REJECT, EAR_REASON_WINDOW_CLOSED, EAR_SAY_CLOSED },
	{ "display passkey, open", EAR_REQ_DISPLAY_PASSKEY, TRUE, FALSE, FALSE, NULL, SPOKEN, JW_NO,
		EAR_VERDICT_SPEAK, EAR_REASON_NONE, EAR_SAY_NOTHING },
	{ "display passkey, closed", EAR_REQ_DISPLAY_PASSKEY, FALSE, FALSE, FALSE, NULL, SPOKEN,
		JW_NO, EAR_VERDICT_REJECT, EAR_REASON_WINDOW_CLOSED, EAR_SAY_CLOSED },
	{ "display pin, open", EAR_REQ_DISPLAY_PIN, TRUE, FALSE, FALSE, NULL, SPOKEN, JW_NO,
		EAR_VERDICT_SPEAK, EAR_REASON_NONE, EAR_SAY_NOTHING },
	{ "display pin, closed", EAR_REQ_DISPLAY_PIN, FALSE, FALSE, FALSE, NULL, SPOKEN, JW_NO,
		EAR_VERDICT_REJECT, EAR_REASON_WINDOW_CLOSED, EAR_SAY_CLOSED },
	{ "pin, announced", EAR_REQ_PIN_CODE, TRUE, FALSE, TRUE, NULL, SPOKEN, JW_NO,
		EAR_VERDICT_GIVE_PIN, EAR_REASON_NONE, EAR_SAY_NOTHING },
	{ "pin, none announced", EAR_REQ_PIN_CODE, TRUE, FALSE, FALSE, NULL, SPOKEN, JW_NO,
		EAR_VERDICT_REJECT, EAR_REASON_NO_PIN, EAR_SAY_FAILED },
	{ "pin, legacy-pin=reject", EAR_REQ_PIN_CODE, TRUE, FALSE, TRUE, NULL, NOPIN, JW_NO,
		EAR_VERDICT_REJECT, EAR_REASON_LEGACY_PIN_OFF, EAR_SAY_FAILED },
	{ "pin, closed", EAR_REQ_PIN_CODE, FALSE, FALSE, TRUE, NULL, SPOKEN, JW_NO,
		EAR_VERDICT_REJECT, EAR_REASON_WINDOW_CLOSED, EAR_SAY_CLOSED },
	{ "passkey, open", EAR_REQ_PASSKEY, TRUE, FALSE, FALSE, NULL, SPOKEN, JW_NO,
		EAR_VERDICT_REJECT, EAR_REASON_CANNOT_TYPE, EAR_SAY_FAILED },
	{ "passkey, closed", EAR_REQ_PASSKEY, FALSE, FALSE, FALSE, NULL, SPOKEN, JW_NO,
		EAR_VERDICT_REJECT, EAR_REASON_WINDOW_CLOSED, EAR_SAY_CLOSED },
	{ "just works, default", EAR_REQ_AUTHORIZATION, TRUE, FALSE, FALSE, NULL, SPOKEN, JW_NO,
		EAR_VERDICT_REJECT, EAR_REASON_JUST_WORKS, EAR_SAY_FAILED },
	{ "just works, accept, open", EAR_REQ_AUTHORIZATION, TRUE, FALSE, FALSE, NULL, SPOKEN, JW_OK,
		EAR_VERDICT_ACCEPT, EAR_REASON_NONE, EAR_SAY_NOTHING },
	{ "just works, accept, closed", EAR_REQ_AUTHORIZATION, FALSE, FALSE, FALSE, NULL, SPOKEN,
		JW_OK, EAR_VERDICT_REJECT, EAR_REASON_WINDOW_CLOSED, EAR_SAY_CLOSED },
	{ "service a2dp, paired, closed", EAR_REQ_SERVICE, FALSE, TRUE, FALSE, A2DP_SINK, SPOKEN,
		JW_NO, EAR_VERDICT_ACCEPT, EAR_REASON_NONE, EAR_SAY_NOTHING },
	{ "service a2dp, unpaired", EAR_REQ_SERVICE, TRUE, FALSE, FALSE, A2DP_SINK, SPOKEN, JW_NO,
		EAR_VERDICT_REJECT, EAR_REASON_NOT_PAIRED, EAR_SAY_NOTHING },
	{ "service hid, paired", EAR_REQ_SERVICE, TRUE, TRUE, FALSE, HID, SPOKEN, JW_NO,
		EAR_VERDICT_REJECT, EAR_REASON_SERVICE, EAR_SAY_NOTHING },
	{ "service pan, paired", EAR_REQ_SERVICE, FALSE, TRUE, FALSE, PAN, SPOKEN, JW_NO,
		EAR_VERDICT_REJECT, EAR_REASON_SERVICE, EAR_SAY_NOTHING },
	{ "service, no uuid", EAR_REQ_SERVICE, FALSE, TRUE, FALSE, NULL, SPOKEN, JW_NO,
		EAR_VERDICT_REJECT, EAR_REASON_SERVICE, EAR_SAY_NOTHING },
	{ "locked, confirmation, open", EAR_REQ_CONFIRMATION, TRUE, FALSE, FALSE, NULL, SPOKEN, JW_NO,
		EAR_VERDICT_REJECT, EAR_REASON_LOCKED, EAR_SAY_LOCKED, TRUE },
	{ "locked, closed window", EAR_REQ_PIN_CODE, FALSE, FALSE, TRUE, NULL, SPOKEN, JW_NO,
		EAR_VERDICT_REJECT, EAR_REASON_LOCKED, EAR_SAY_LOCKED, TRUE },
	{ "locked, just works accept", EAR_REQ_AUTHORIZATION, TRUE, FALSE, FALSE, NULL, SPOKEN, JW_OK,
		EAR_VERDICT_REJECT, EAR_REASON_LOCKED, EAR_SAY_LOCKED, TRUE },
	{ "locked, paired phone reconnects", EAR_REQ_SERVICE, FALSE, TRUE, FALSE, A2DP_SINK, SPOKEN,
		JW_NO, EAR_VERDICT_ACCEPT, EAR_REASON_NONE, EAR_SAY_NOTHING, TRUE },
	/* First come, first served: another device's number is on the air. Refused
	 * without a word, before the lockout or the window are even looked at. */
	{ "busy, confirmation", EAR_REQ_CONFIRMATION, TRUE, FALSE, FALSE, NULL, SPOKEN, JW_NO,
		EAR_VERDICT_REJECT, EAR_REASON_BUSY, EAR_SAY_NOTHING, FALSE, TRUE },
	{ "busy, just works", EAR_REQ_AUTHORIZATION, TRUE, FALSE, FALSE, NULL, SPOKEN, JW_NO,
		EAR_VERDICT_REJECT, EAR_REASON_BUSY, EAR_SAY_NOTHING, FALSE, TRUE },
	{ "busy, locked", EAR_REQ_PASSKEY, TRUE, FALSE, FALSE, NULL, SPOKEN, JW_NO,
		EAR_VERDICT_REJECT, EAR_REASON_BUSY, EAR_SAY_NOTHING, TRUE, TRUE },
	{ "busy, closed", EAR_REQ_DISPLAY_PASSKEY, FALSE, FALSE, FALSE, NULL, SPOKEN, JW_NO,
		EAR_VERDICT_REJECT, EAR_REASON_BUSY, EAR_SAY_NOTHING, FALSE, TRUE },
	{ "busy, paired phone reconnects", EAR_REQ_SERVICE, TRUE, TRUE, FALSE, A2DP_SINK, SPOKEN,
		JW_NO, EAR_VERDICT_ACCEPT, EAR_REASON_NONE, EAR_SAY_NOTHING, FALSE, TRUE },
	{ "unknown device", EAR_REQ_CONFIRMATION, TRUE, FALSE, FALSE, NULL, SPOKEN, JW_NO,
		EAR_VERDICT_REJECT, EAR_REASON_UNKNOWN_DEVICE, EAR_SAY_NOTHING, FALSE, FALSE, TRUE },
	{ "unknown device, service", EAR_REQ_SERVICE, TRUE, TRUE, FALSE, A2DP_SINK, SPOKEN, JW_NO,
		EAR_VERDICT_REJECT, EAR_REASON_UNKNOWN_DEVICE, EAR_SAY_NOTHING, FALSE, FALSE, TRUE },
};

START_TEST(test_policy_table)
{
	const PolicyCase *c = &policy_cases[_i];
	g_autoptr(EarConfig) config = ear_config_new_default();
	config->legacy_pin = c->legacy_pin;
	config->just_works = c->just_works;
	EarPolicyInput in = {
		.kind = c->kind,
		.device_known = !c->unknown,
		.busy = c->busy,
		.window_open = c->window_open,
		.device_paired = c->paired,
		.have_pin = c->have_pin,
		.locked = c->locked,
		.uuid = c->uuid,
	};

	EarDecision d = ear_policy_decide(config, &in);
	ck_assert_msg(d.verdict == c->verdict, "%s: verdict %d, expected %d", c->what, d.verdict,
		c->verdict);
	ck_assert_msg(d.reason == c->reason, "%s: reason %d", c->what, d.reason);
	ck_assert_msg(d.prompt == c->prompt, "%s: prompt %d", c->what, d.prompt);
	ck_assert_str_ne(ear_reason_describe(d.reason), "unknown");
}
END_TEST

typedef struct {
	EarEnd end;
	gboolean answered;
	gboolean spoken;
	EarCount count;
} CountCase;

static const CountCase count_cases[] = {
	{ EAR_END_PAIRED, TRUE, TRUE, EAR_COUNT_NONE },
	{ EAR_END_FAILED, TRUE, TRUE, EAR_COUNT_ALL },     /* number read, phone never paired */
	{ EAR_END_FAILED, FALSE, TRUE, EAR_COUNT_ALL },    /* read, button never pressed */
	{ EAR_END_FAILED, TRUE, FALSE, EAR_COUNT_DEVICE }, /* Just Works accepted, then dropped */
	{ EAR_END_FAILED, FALSE, FALSE, EAR_COUNT_NONE },  /* cancelled before a word was heard */
	{ EAR_END_ABORTED, TRUE, TRUE, EAR_COUNT_NONE },   /* the window closed, bluetoothd left */
};

START_TEST(test_failure_count)
{
	const CountCase *c = &count_cases[_i];
	ck_assert_int_eq(ear_policy_failure_count(c->end, c->answered, c->spoken), c->count);
}
END_TEST

START_TEST(test_device_key)
{
	g_autofree char *pub = ear_policy_device_key("/p", "11:22:33:44:55:66", "public");
	g_autofree char *rnd = ear_policy_device_key("/p", "C0:00:00:00:00:01", "random");
	g_autofree char *none = ear_policy_device_key("/org/bluez/hci0/dev_X", "", "");
	ck_assert_str_eq(pub, "public/11:22:33:44:55:66");
	ck_assert_str_eq(rnd, "random/C0:00:00:00:00:01");
	ck_assert_str_eq(none, "/org/bluez/hci0/dev_X");
}
END_TEST

START_TEST(test_offer_pin)
{
	g_autoptr(EarConfig) config = ear_config_new_default();
	ck_assert(ear_policy_offer_pin(config, TRUE, FALSE, FALSE, "public", 0));
	ck_assert(!ear_policy_offer_pin(config, FALSE, FALSE, FALSE, "public", 0)); /* window closed */
	ck_assert(!ear_policy_offer_pin(config, TRUE, TRUE, FALSE, "public", 0));  /* busy */
	ck_assert(!ear_policy_offer_pin(config, TRUE, FALSE, FALSE, "random", 0)); /* LE: never a PIN */
	ck_assert(!ear_policy_offer_pin(config, TRUE, FALSE, FALSE, "", 0));
	ck_assert(!ear_policy_offer_pin(config, TRUE, FALSE, FALSE, "public", EAR_PIN_OFFERS_PER_WINDOW));
	ck_assert(!ear_policy_offer_pin(config, TRUE, FALSE, TRUE, "public", 0)); /* locked */
	config->legacy_pin = EAR_LEGACY_PIN_REJECT;
	ck_assert(!ear_policy_offer_pin(config, TRUE, FALSE, FALSE, "public", 0));
}
END_TEST

START_TEST(test_refusal_prompt_rate)
{
	gint64 s = G_USEC_PER_SEC;
	ck_assert(ear_policy_refusal_prompt_due(0, 5 * s));
	ck_assert(!ear_policy_refusal_prompt_due(100 * s, 100 * s + 29 * s));
	ck_assert(ear_policy_refusal_prompt_due(100 * s, 130 * s));
}
END_TEST

START_TEST(test_allowed_services)
{
	g_autoptr(EarConfig) config = ear_config_new_default();
	static const char *const yes[] = { "110a", "110B", "0000110d-0000-1000-8000-00805F9B34FB",
		"0000110e", "110c", "110f" };
	static const char *const no[] = { "1124", "1115", "1105", "110", "zzzz", "",
		"0000110d-0000-1000-8000-00805f9b34f", "0000110d_0000-1000-8000-00805f9b34fb" };
	for (gsize i = 0; i < G_N_ELEMENTS(yes); i++)
		ck_assert_msg(ear_config_service_allowed(config, yes[i]), "%s", yes[i]);
	for (gsize i = 0; i < G_N_ELEMENTS(no); i++)
		ck_assert_msg(!ear_config_service_allowed(config, no[i]), "%s", no[i]);
}
END_TEST

typedef struct {
	guint32 passkey;
	gboolean again;
	const char *text;
} CodeCase;

static const CodeCase code_cases[] = {
	{ 427104, FALSE, "Pairing code: 4, 2, 7, 1, 0, 4." },
	{ 42713, FALSE, "Pairing code: 0, 4, 2, 7, 1, 3." },
	{ 0, FALSE, "Pairing code: 0, 0, 0, 0, 0, 0." },
	{ 999999, TRUE, "Again: 9, 9, 9, 9, 9, 9." },
	{ 7, TRUE, "Again: 0, 0, 0, 0, 0, 7." },
};

START_TEST(test_code_text)
{
	const CodeCase *c = &code_cases[_i];
	g_autoptr(EarConfig) config = ear_config_new_default();
	g_autofree char *text = ear_announce_code(config->prompts, c->passkey, c->again);
	ck_assert_str_eq(text, c->text);
}
END_TEST

START_TEST(test_pin_text)
{
	g_autoptr(EarConfig) config = ear_config_new_default();
	g_autofree char *a = ear_announce_pin(config->prompts, "004711", FALSE);
	g_autofree char *b = ear_announce_pin(config->prompts, "12", TRUE);
	ck_assert_str_eq(a, "PIN code: 0, 0, 4, 7, 1, 1.");
	ck_assert_str_eq(b, "Again: 1, 2.");
}
END_TEST

typedef struct {
	const char *template;
	const char *name;
	const char *text;
} PairedCase;

static const PairedCase paired_cases[] = {
	{ "Paired with {name}", "Anna's phone", "Paired with Anna's phone." },
	{ "Paired with {name}", "", "Paired with a new device." },
	{ "Paired with {name}", NULL, "Paired with a new device." },
	{ "{name} is now paired!", "Pixel", "Pixel is now paired!" },
	{ "Connected", "Pixel", "Connected." },
	{ "Paired with {name}", "{name}", "Paired with {name}." }, /* replaced once, not re-expanded */
};

START_TEST(test_paired_text)
{
	const PairedCase *c = &paired_cases[_i];
	g_autoptr(EarConfig) config = ear_config_new_default();
	g_free(config->prompts[EAR_PROMPT_PAIRED]);
	config->prompts[EAR_PROMPT_PAIRED] = g_strdup(c->template);
	g_autofree char *text = ear_announce_paired(config->prompts, c->name);
	ck_assert_str_eq(text, c->text);
}
END_TEST

START_TEST(test_sentences)
{
	g_autofree char *a = ear_announce_sentence("Pairing failed");
	g_autofree char *b = ear_announce_sentence("Ready to pair!");
	ck_assert_str_eq(a, "Pairing failed.");
	ck_assert_str_eq(b, "Ready to pair!");
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("policy");
	tcase_add_loop_test(tc, test_policy_table, 0, G_N_ELEMENTS(policy_cases));
	tcase_add_test(tc, test_refusal_prompt_rate);
	tcase_add_loop_test(tc, test_failure_count, 0, G_N_ELEMENTS(count_cases));
	tcase_add_test(tc, test_device_key);
	tcase_add_test(tc, test_offer_pin);
	tcase_add_test(tc, test_allowed_services);
	suite_add_tcase(s, tc);
	tc = tcase_create("announce");
	tcase_add_loop_test(tc, test_code_text, 0, G_N_ELEMENTS(code_cases));
	tcase_add_test(tc, test_pin_text);
	tcase_add_loop_test(tc, test_paired_text, 0, G_N_ELEMENTS(paired_cases));
	tcase_add_test(tc, test_sentences);
	suite_add_tcase(s, tc);
	return s;
}

EAR_CHECK_MAIN(policy_suite)
