/* SPDX-License-Identifier: GPL-2.0 */
/* One output layer: plain text for people, JSON (json-c) for programs. */
#ifndef HF_OUTPUT_H
#define HF_OUTPUT_H

#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

/* Print one JSON document (or one JSON Lines object) and a newline. */
void hf_json_emit(FILE *out, struct json_object *obj);

/* {"type":"error","message":msg} plus detail's members (consumed; may be NULL). */
void hf_json_error(FILE *out, const char *msg, struct json_object *detail);

/* Addresses are "0x..." strings in JSON. */
struct json_object *hf_json_addr(uint64_t addr);
/* json-c's int64 cannot hold all u64 values; counters use this. */
struct json_object *hf_json_u64(uint64_t v);

/* Fractions and rates to 6 significant digits, not json-c's 17. */
struct json_object *hf_json_ratio(double v);

/* Shorthands that take ownership of nothing but the new value. */
void hf_json_set_u64(struct json_object *obj, const char *key, uint64_t v);
void hf_json_set_str(struct json_object *obj, const char *key, const char *s);

#endif
