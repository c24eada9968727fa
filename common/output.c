// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include "hf.h"
#include "output.h"

void hf_json_emit(FILE *out, struct json_object *obj)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	flags |= hf_opts.pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN;
	fputs(json_object_to_json_string_ext(obj, flags), out);
	fputc('\n', out);
	fflush(out);
}

struct json_object *hf_json_addr(uint64_t addr)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)addr);
	return json_object_new_string(buf);
}

struct json_object *hf_json_u64(uint64_t v)
{
	return json_object_new_uint64(v);
}

struct json_object *hf_json_ratio(double v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.6g", v);
	return json_object_new_double_s(v, buf);
}

void hf_json_set_u64(struct json_object *obj, const char *key, uint64_t v)
{
	json_object_object_add(obj, key, json_object_new_uint64(v));
}

void hf_json_set_str(struct json_object *obj, const char *key, const char *s)
{
	json_object_object_add(obj, key, json_object_new_string(s));
}

void hf_json_error(FILE *out, const char *msg, struct json_object *detail)
{
	struct json_object *obj = json_object_new_object();

	hf_json_set_str(obj, "type", "error");
	hf_json_set_str(obj, "message", msg);
	if (detail) {
		json_object_object_foreach(detail, key, val)
			json_object_object_add(obj, key, json_object_get(val));
	}
	hf_json_emit(out, obj);
	json_object_put(obj);
	json_object_put(detail);
}
