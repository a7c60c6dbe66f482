#include "provenance.h"

#include <string.h>

#include "table.h"
#include "bench/host/host_virt.h"
#include "lib/json_util.h"
#include "lib/units.h"

#define MAX_MACHINES (TABLE_MAX_COLS - 1)

/* Appends to buf at *used, never past len. */
#define APPEND(buf, len, used, ...)                                                              \
	do {                                                                                     \
		if (*(used) < (len))                                                             \
			*(used) += (size_t)snprintf((buf) + *(used), (len) - *(used), __VA_ARGS__); \
	} while (0)

static const char *param(json_t *ctx, const char *name)
{
	return json_str(json_object_get(ctx, "kvm_parameters"), name);
}

static bool has_module(json_t *ctx, const char *module)
{
	char words[160];
	snprintf(words, sizeof words, " %s ", json_str(ctx, "kvm_modules"));
	char want[48];
	snprintf(want, sizeof want, " %s ", module);
	return strstr(words, want) != NULL;
}

void provenance_kvm_translation(json_t *ctx, char *buf, size_t len)
{
	const char *modules = json_str(ctx, "kvm_modules");
	const char *words = json_str(ctx, "kvm_translation"); /* bench/host/host_virt.c's words */
	if (json_is_false(json_object_get(ctx, "kvm_available")))
		snprintf(buf, len, "no usable /dev/kvm (%s)", json_str(ctx, "kvm_status"));
	else if (words[0]) /* the words name the module already */
		snprintf(buf, len, "%s", words);
	else if (!modules[0])
		snprintf(buf, len, "not recorded");
	else { /* results older than kvm_translation: host_virt's rule on the recorded modules */
		enum kvm_kind k = kvm_kind_of(has_module(ctx, "kvm_intel"), has_module(ctx, "kvm_amd"),
					      has_module(ctx, "kvm_pvm"), param(ctx, "kvm_intel.ept"), param(ctx, "kvm_amd.npt"));
		if (k == KVM_KIND_UNKNOWN)
			snprintf(buf, len, "%s", modules);
		else
			snprintf(buf, len, "%s (modules: %s)", kvm_kind_words(k), modules);
	}
}

static void page_sizes(json_t *list, char *buf, size_t len)
{
	size_t used = 0;
	size_t i;
	json_t *p;
	buf[0] = '\0';
	json_array_foreach(list, i, p) {
		char up[8];
		snprintf(up, sizeof up, "%s", json_string_value(p) ? json_string_value(p) : "?");
		for (char *c = up; *c; c++)
			*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
		APPEND(buf, len, &used, "%s%s", i ? "/" : "", up);
	}
}

void provenance_tlbs(json_t *ctx, char *buf, size_t len)
{
	json_t *g = json_object_get(ctx, "tlb_geometry"), *list = json_object_get(g, "tlbs");
	size_t used = 0, i;
	json_t *t;
	buf[0] = '\0';
	if (!json_array_size(list)) {
		snprintf(buf, len, "%s", g ? json_str(g, "source") : "not recorded (results older than tlb_geometry)");
		return;
	}
	json_array_foreach(list, i, t) {
		const char *kind = json_str(t, "kind");
		if (!strcmp(kind, "instruction"))
			continue; /* the chase reads data */
		char sizes[32], reach[32];
		page_sizes(json_object_get(t, "page_sizes"), sizes, sizeof sizes);
		uint64_t page = 4096;
		page_size_parse(json_string_value(json_array_get(json_object_get(t, "page_sizes"), 0)), &page);
		format_size((uint64_t)json_integer_value(json_object_get(t, "entries")) * page, reach, sizeof reach);
		APPEND(buf, len, &used, "%sL%lld %s: %lld x %s (reach %s)", used ? "; " : "",
		       (long long)json_integer_value(json_object_get(t, "level")), kind,
		       (long long)json_integer_value(json_object_get(t, "entries")), sizes, reach);
	}
}

static void caches(json_t *ctx, char *buf, size_t len)
{
	size_t used = 0, i;
	json_t *c;
	buf[0] = '\0';
	json_array_foreach(json_object_get(ctx, "caches"), i, c) {
		char size[32];
		const char *type = json_str(c, "type");
		format_size((uint64_t)json_integer_value(json_object_get(c, "size")), size, sizeof size);
		APPEND(buf, len, &used, "%sL%lld%s %s", used ? ", " : "", (long long)json_integer_value(json_object_get(c, "level")),
		       !strcmp(type, "Data") ? "d" : !strcmp(type, "Instruction") ? "i" : "", size);
	}
	if (!used)
		snprintf(buf, len, "not recorded");
}

static void host_virt(json_t *ctx, char *buf, size_t len)
{
	json_t *virt = json_object_get(ctx, "native_is_vm");
	if (json_is_true(virt))
		snprintf(buf, len, "yes: a virtual machine (hypervisor %s). Its \"native\" numbers include the outer hypervisor's translation; its memory may be backed by 4K pages underneath, which no page size chosen here changes",
			 json_str(ctx, "hypervisor_vendor")[0] ? json_str(ctx, "hypervisor_vendor") : "unnamed");
	else if (json_is_false(virt))
		snprintf(buf, len, "no (bare metal: CPUID reports no hypervisor)");
	else
		snprintf(buf, len, "not recorded (results older than native_is_vm)");
}

/* The own hypervisor's backends that ran: emulated translation or not. */
static void hypervisor_backends(json_t *ctx, char *buf, size_t len)
{
	static const char *const backends[] = { "bochs", "qemu" };
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < 2; i++) {
		json_t *b = json_object_get(ctx, backends[i]);
		if (!b)
			continue;
		bool emulated = !json_is_false(json_object_get(b, "emulated"));
		APPEND(buf, len, &used, "%s%s: %s", used ? "; " : "", backends[i],
		       emulated ? "software translation (the emulator walks the EPT/NPT itself): timings are not performance results"
				: "nested paging under QEMU with KVM");
	}
	/* An ingested bare-metal log: the hypervisor's hello line. */
	json_t *hello = json_object_get(ctx, "hypervisor");
	if (json_is_object(hello))
		APPEND(buf, len, &used, "%sbare metal: nested paging (%s), measured by tlbvisor's hypervisor on the machine itself",
		       used ? "; " : "", !strcmp(json_str(hello, "vendor"), "svm") ? "NPT" : "EPT");
	if (!used)
		snprintf(buf, len, "none in this run");
}

static void cpu(json_t *ctx, char *buf, size_t len)
{
	snprintf(buf, len, "%s (%s family %lld model %lld stepping %lld, microcode %s), %lld CPUs", json_str(ctx, "cpu_model"),
		 json_str(ctx, "cpu_vendor"), (long long)json_integer_value(json_object_get(ctx, "cpu_family")),
		 (long long)json_integer_value(json_object_get(ctx, "cpu_model_id")),
		 (long long)json_integer_value(json_object_get(ctx, "cpu_stepping")), json_str(ctx, "microcode"),
		 (long long)json_integer_value(json_object_get(ctx, "num_cpus")));
}

static void tsc(json_t *ctx, char *buf, size_t len)
{
	snprintf(buf, len, "%.4g GHz (%s); kernel %s; THP %s", json_number_value(json_object_get(ctx, "tsc_hz")) / 1e9,
		 json_str(ctx, "tsc_source"), json_str(ctx, "kernel"), json_str(ctx, "thp_enabled"));
}

/* The host contexts: a merged file's sources (one per machine), or the run's own. */
static int machine_contexts(json_t *ctx, json_t **out, const char **names)
{
	json_t *sources = json_object_get(ctx, "sources");
	int n = 0;
	size_t i;
	json_t *s;
	if (json_is_true(json_object_get(ctx, "hosts_differ")))
		json_array_foreach(sources, i, s) {
			json_t *c = json_object_get(s, "context");
			const char *host = json_str(c, "host_name");
			bool seen = false;
			for (int k = 0; k < n; k++)
				seen |= !strcmp(names[k], host);
			if (!seen && n < MAX_MACHINES) {
				out[n] = c;
				names[n++] = host;
			}
		}
	if (!n) {
		out[0] = ctx;
		names[0] = json_str(ctx, "host_name")[0] ? json_str(ctx, "host_name") : "this run";
		n = 1;
	}
	return n;
}

void provenance_write(const struct results_view *v, FILE *md, FILE *html)
{
	json_t *ctx[MAX_MACHINES];
	const char *names[MAX_MACHINES];
	int n = machine_contexts(v->context, ctx, names);
	const char *cols[TABLE_MAX_COLS] = { "" };
	for (int m = 0; m < n; m++)
		cols[m + 1] = names[m];
	static void (*const rows[])(json_t *, char *, size_t) = { cpu, host_virt, provenance_kvm_translation,
								  hypervisor_backends, provenance_tlbs, caches, tsc };
	static const char *const row_names[] = { "CPU", "host is a VM", "KVM and its translation",
						 "tlbvisor's hypervisor", "TLBs (CPUID)", "caches", "TSC, kernel" };
	struct table t;
	table_begin(&t, md, html, "Provenance",
		    "Where these numbers were measured (details: Host and run). Timings are comparable only between runs of the same provenance.",
		    n + 1, cols);
	for (size_t r = 0; r < sizeof rows / sizeof *rows; r++) {
		static char vals[MAX_MACHINES][1024];
		const char *row[TABLE_MAX_COLS] = { row_names[r] };
		for (int m = 0; m < n; m++) {
			rows[r](ctx[m], vals[m], sizeof vals[m]);
			row[m + 1] = vals[m];
		}
		table_row(&t, row);
	}
	table_end(&t);
}
