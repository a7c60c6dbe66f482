"""A tlbvisor report read back and checked section by section against the
results it was made from: report.md's tables, report.html's headings,
tables and figures (the same tables in both), every number recomputed from
the results JSON, and the sections docs/report.md describes. Used by
test_history.py."""
import html.parser
import math
import re
import statistics

from tvtest import cells, check

PAGE_LEVEL = {"4k": 0, "2m": 1, "thp": 1, "1g": 2}  # levels a leaf of this size saves


def md_unescape(s):
    """Markdown text as read: the report backslash-escapes the characters that
    could start markup (analysis/escape.c)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", s)


def md_sections(text):
    """'## Title' -> rows of its table (header first), in order."""
    out = []
    for block in re.split(r"^## ", text, flags=re.M)[1:]:
        title, _, body = block.partition("\n")
        rows = [[md_unescape(c.strip()) for c in re.split(r"(?<!\\)\|", l)[1:-1]]
                for l in body.splitlines() if l.startswith("|")]
        out.append((md_unescape(title.strip()), [r for i, r in enumerate(rows) if i != 1]))  # without the ---| row
    return out


class HtmlReport(html.parser.HTMLParser):
    """Headings, tables (rows of cell texts), figures and notes of report.html."""

    def __init__(self):
        super().__init__()
        self.sections, self.figures, self.notes, self.svgs = [], [], [], 0
        self.text, self.cell, self.row, self.in_note, self.in_caption = None, None, None, False, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "h2":
            self.text = ""
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = ""
        elif tag == "svg":
            self.svgs += 1
        elif tag == "figcaption":
            self.in_caption, self.text = True, ""
        elif tag == "p" and a.get("class") == "note":
            self.in_note, self.text = True, ""

    def handle_endtag(self, tag):
        if tag == "h2":
            self.sections.append((self.text.strip(), []))
            self.text = None
        elif tag in ("td", "th"):
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr":
            self.sections[-1][1].append(self.row)
        elif tag == "figcaption":
            self.figures.append(self.text.strip())
            self.in_caption, self.text = False, None
        elif tag == "p" and self.in_note:
            self.notes.append(self.text.strip())
            self.in_note, self.text = False, None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        elif self.text is not None:
            self.text += data


def fmt(spec, v):
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, spec)


def view(doc):
    """The cells as the report sees them: first entry, repetitions and aggregates."""
    out = {}
    for name, es in cells(doc).items():
        first = es[0]
        agg = {e["aggregate_name"]: e for e in es if e.get("aggregate_name")}
        out[name] = {"first": first, "ok": first["status"] == "ok",
                     "median": agg["median"]["cycles_per_access"] if "median" in agg else math.nan,
                     "ns": agg["median"]["ns_per_access"] if "median" in agg else math.nan,
                     "cv": agg["cv"]["real_time"] if "cv" in agg else math.nan}
    return out


def native4k(v, first):
    for c in v.values():
        f = c["first"]
        if c["ok"] and f["backend"] == "native" and f["host_page"] == "4k" and f["ws_bytes"] == first["ws_bytes"] \
                and f["pattern"] == first["pattern"]:
            return c["median"]
    return math.nan


def expected_tables(doc):
    """Each section's rows (without the header), computed here from the results."""
    v = view(doc)
    ok = {n: c for n, c in v.items() if c["ok"]}
    chase_virt = {n: c for n, c in ok.items() if n.startswith("chase/") and c["first"]["backend"] != "native"}
    t = {}
    t["Results"] = [[n, fmt(".1f", c["median"]), fmt(".2f", c["ns"]), fmt(".2f", c["cv"] * 100),
                     fmt(".0f", c["first"].get("warmup_passes")), c["first"]["effective_page"],
                     ("flagged: " if c["first"]["page_size_flagged"] else "") + c["first"].get("page_size_note", "")]
                    for n, c in ok.items()]
    # Virtualization overhead: configuration x working set.
    def label(f):
        s = f"{f['backend']} {f['pattern']}, guest {f['guest_page']} / host {f['host_page']}"
        return s + (f", vpid {f['vpid']}, EPT {f['ept_levels']} levels" if "ept_levels" in f else "")
    ws = sorted({c["first"]["ws_bytes"] for n, c in v.items() if n.startswith("chase/")})[:15]
    rows = {}
    for n, c in v.items():
        if n.startswith("chase/") and c["first"]["backend"] != "native":
            rows.setdefault(label(c["first"]), {})
            if c["ok"]:
                rows[label(c["first"])][c["first"]["ws_bytes"]] = c["median"] / native4k(v, c["first"])
    t["Virtualization overhead"] = [[lab] + [fmt(".2f", r.get(w)) for w in ws] for lab, r in rows.items()]
    # The model beside the measurement.
    model = []
    for n, c in chase_virt.items():
        f = c["first"]
        leaf = f["effective_page"] if f["effective_page"] not in ("", "?") else f["host_page"]
        # The depths the cell recorded (kvm: guest and second level), else 4.
        def depth(key):
            return f[key] if f.get(key) in (4, 5) else 4
        second = f.get("second_level", "")
        gl, sl = depth("guest_levels"), depth("second_level_levels" if second else "ept_levels")
        pt = f.get("pt_leaf", "")
        if second == "shadow":  # one dimension: the shadow table's walk
            walk, nr, xr = f"{gl}-level, shadow", str(gl - PAGE_LEVEL[leaf]), "-"
        else:
            # Each guest table read walks the second level down to the
            # tables' leaf (pt_leaf, else the data's), then is read; the
            # data's guest-physical address walks it down to the data's leaf.
            gn, em = gl - PAGE_LEVEL[f["guest_page"]], sl - PAGE_LEVEL[leaf]
            em_pt = sl - PAGE_LEVEL[pt or leaf]
            walk, nr, xr = f"{gl}-level x {second or 'ept'} {sl}", str(gn), str(gn * (em_pt + 1) + em)
        n4 = native4k(v, f)
        model.append([n, walk, f["guest_page"], leaf, "-" if second == "shadow" or not pt else pt, nr, xr,
                      fmt(".1f", c["median"]),
                      fmt(".1f", n4), fmt("+.1f", c["median"] - n4), fmt(".3f", c["median"] / n4)])
    t["Nested page walks: model beside measurement"] = model
    # Strategies: random chase cells ranked by median at each working set.
    for w in sorted({c["first"]["ws_bytes"] for c in ok.values() if c["first"]["ws_bytes"]}):
        here = sorted((c for n, c in ok.items() if n.startswith("chase/") and c["first"]["ws_bytes"] == w
                       and c["first"]["pattern"] == "random"), key=lambda c: c["median"])
        if not here:
            continue
        nat = [c for c in here if c["first"]["backend"] == "native"]
        n4 = next((c["median"] for c in nat if c["first"]["host_page"] == "4k"), math.nan)
        best = min((c["median"] for c in nat), default=math.nan)
        t[f"Huge-page strategies at {here[0]['first']['ws']}"] = [
            [str(i + 1), (f"native, {c['first']['host_page']} pages" if c["first"]["backend"] == "native" else
                          f"{c['first']['backend']}, guest {c['first']['guest_page']} / host {c['first']['host_page']}"),
             fmt(".1f", c["median"]), fmt(".3f", c["median"] / n4), fmt(".3f", c["median"] / best)]
            for i, c in enumerate(here)]
    exits = []
    for n, c in ok.items():
        f = c["first"]
        faults = f.get("build_faults", f.get("build_host_faults"))
        exits.append([n, fmt(".0f", faults), fmt(".0f", f.get("measure_exits"))])
    t["Exits and PMU counters"] = exits
    t["Skipped and failed cells"] = [[n, c["first"]["status"], c["first"]["error_message"]]
                                     for n, c in v.items() if not c["ok"]]
    t["Effective versus requested page size"] = [[n, c["first"]["host_page"], c["first"]["effective_page"],
                                                  c["first"].get("page_size_note", "")]
                                                 for n, c in v.items() if c["first"].get("page_size_flagged")]
    return t, ws


def expected_plots(doc):
    """Latency plots: one per pattern with a finished cell; heat maps: one per
    virtualized backend with a finished random cell at a working set where
    native 4K ran too."""
    v = view(doc)
    plots = []
    for p in ("random", "seq"):
        if any(c["ok"] and c["first"]["pattern"] == p and c["first"]["ws_bytes"] for c in v.values()):
            plots.append(f"Latency versus working set ({p} chase)")
    for b in ("kvm", "bochs", "qemu", "baremetal"):
        ws = [c["first"]["ws_bytes"] for c in v.values() if c["ok"] and c["first"]["backend"] == b
              and c["first"]["pattern"] == "random" and not math.isnan(native4k(v, c["first"]))]
        if ws:
            plots.append(f"{b} / native 4K at ")
    return plots


def check_report(label, doc, md_text, html_text, doc_md_text):
    """Every section of report.md and report.html against the results doc."""
    want, ws = expected_tables(doc)
    md = md_sections(md_text)
    titles = [t for t, _ in md]
    walks = any(c["ok"] and any(re.match(r"pmu_(guest_)?(dtlb_load_misses_walk_(completed|active)|l1_dtlb_miss_tlb_reload_.*_l2_miss|dtlb_walks)", k)
                                for k in c["first"]) for c in view(doc).values())
    order = ["Summary", "Provenance", "Results", "Virtualization overhead", "Nested page walks: model beside measurement"] + \
        (["Page walks: PMU beside the model"] if walks else []) + \
        [t for t in want if t.startswith("Huge-page strategies at")] + \
        ["Exits and PMU counters", "Skipped and failed cells", "Effective versus requested page size", "Host and run"]
    check(f"{label}: the sections, in order", titles == order, titles)
    got = dict(md)
    for title, rows in want.items():
        table = got.get(title, [[]])
        body = table[1:]
        if title == "Exits and PMU counters":
            body = [r[:3] for r in body]
        if title.startswith("Huge-page strategies at"):
            body = [r[:5] for r in body]
        check(f"{label}: {title}: every row from the results", body == rows,
              f"got {body[:3]} want {rows[:3]}")
    if want["Virtualization overhead"]:
        head = (got.get("Virtualization overhead") or [[]])[0]
        check(f"{label}: Virtualization overhead: a column per working set", head[1:] ==
              [next(c["first"]["ws"] for c in view(doc).values() if c["first"]["ws_bytes"] == w) for w in ws], head)
    ctx = doc["context"]
    host = {r[0]: r[1] for r in got.get("Host and run", [[]])[1:]}
    check(f"{label}: Host and run: every context key with its value",
          host.keys() == ctx.keys() and all(host[k] == ctx[k] for k in ctx if isinstance(ctx[k], str))
          and all(float(host[k]) == float(ctx[k]) for k in ctx if isinstance(ctx[k], int) and not isinstance(ctx[k], bool)),
          sorted(set(ctx) ^ set(host)))
    plots = expected_plots(doc)
    figures = re.findall(r"^!\[(.*)\]\(plots/(.*)\)$", md_text, re.M)
    check(f"{label}: the plots the results call for ({len(plots)})",
          len(figures) == len(plots) and all(f[0].startswith(p) for f, p in zip(figures, plots)), figures)
    # The opening: sentences, then the provenance box, before any plot.
    summary = [l for l in md_text.split("## Summary\n\n", 1)[-1].split("\n\n", 1)[0].splitlines() if l.startswith("- ")]
    check(f"{label}: a summary in sentences opens the report", bool(summary) and all(l.endswith(".") for l in summary), summary)
    v = view(doc)
    emulated = {"bochs"} | ({"qemu"} if ctx.get("qemu", {}).get("emulated", True) else set())
    rand = [c for n, c in v.items() if c["ok"] and n.startswith("chase/") and c["first"]["pattern"] == "random"
            and c["first"]["backend"] not in emulated]
    for b in sorted({c["first"]["backend"] for c in rand} - {"native"}):
        mine = [c for c in rand if c["first"]["backend"] == b and not math.isnan(native4k(v, c["first"]))]
        if not mine:
            continue
        w = max(c["first"]["ws_bytes"] for c in mine)
        at = [c for c in mine if c["first"]["ws_bytes"] == w][:8]
        line = next((md_unescape(l) for l in summary
                     if md_unescape(l).startswith(f"- Virtualization overhead at {at[0]['first']['ws']}")), "")
        ratios = [f"{c['median'] / native4k(v, c['first']):.2f}x" for c in at]
        check(f"{label}: summary: {b} overhead at the largest working set, every pair, as the results say",
              all(r in line for r in ratios), (ratios, line))
    first_plot = html_text.find("<figure")
    check(f"{label}: summary and provenance box before the first plot",
          0 < html_text.find("<h2>Summary</h2>") < html_text.find("<h2>Provenance</h2>")
          and (first_plot < 0 or html_text.find("<h2>Provenance</h2>") < first_plot), first_plot)
    prov = dict((r[0], r[1:]) for r in got.get("Provenance", [[]])[1:])
    virt = ctx.get("native_is_vm")
    check(f"{label}: provenance says whether the host is itself a VM",
          prov.get("host is a VM", [""])[0].startswith({True: "yes", False: "no", None: "not recorded"}[virt]), prov)
    # The HTML page: the same sections and tables, the plots inlined, nothing external.
    h = HtmlReport()
    h.feed(html_text)
    check(f"{label}: HTML has the same sections and tables as the Markdown",
          [(t, rows) for t, rows in h.sections] == md, [t for t, _ in h.sections])
    check(f"{label}: HTML inlines each plot as SVG, nothing external",
          h.figures == [f[0] for f in figures] and h.svgs == len(plots)
          and not re.search(r'<(script|link|img)[^>]*(src|href)=', html_text), (h.figures, h.svgs))
    check(f"{label}: interrupted note only for an interrupted run",
          any("interrupted" in n for n in h.notes) == bool(ctx.get("interrupted")), h.notes)
    # docs/report.md names every section the report writes, and nothing else.
    described = re.findall(r"^\*\*(.+?)\*\*", doc_md_text, re.M)
    generic = {re.sub(r"Huge-page strategies at .*", "Huge-page strategies at WS", t) for t in titles}
    check(f"{label}: docs/report.md describes exactly the report's sections (and plots)",
          generic | {"Latency versus working set", "Heat map", "Page walks: PMU beside the model"} == set(described), set(described) ^ generic)


def check_geomean(label, text, base_doc, new_doc):
    """compare's geometric mean, parsed as a number, against the medians of both files."""
    m = re.search(r"Geometric mean of new/base: ([0-9.]+) \(([-+][0-9.]+)%\) over (\d+) cells", text)
    b, n = view(base_doc), view(new_doc)
    common = [k for k in n if k in b and b[k]["ok"] and n[k]["ok"]]
    ratios = [n[k]["median"] / b[k]["median"] for k in common]
    want = math.exp(statistics.fmean(math.log(r) for r in ratios)) if ratios else 1.0
    check(f"{label}: geometric mean {want:.4f} over {len(common)} cells", m and abs(float(m.group(1)) - want) < 5e-5
          and int(m.group(3)) == len(common), m.group(0) if m else text[-300:])
