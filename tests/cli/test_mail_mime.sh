#!/bin/sh
# The composed messages through a real MIME parser: `pt-test mail_eml` writes
# three digests as .eml files (default templates), and Python's email package
# (BytesParser, policy=default, the strict modern one) reads them: the
# Subject decodes to the exact Chinese text, the headers are exactly the
# expected set, both parts are there with their types and charsets, the
# text holds the numbers, and a hostile indicator name neither adds a header
# nor reaches the HTML unescaped. Run by /usr/bin/python3 (stdlib only).
set -eu
rm -rf "$WORK"; mkdir -p "$WORK"
die() { echo "FAIL: $*" >&2; exit 1; }
[ -n "${PT_TEST:-}" ] || die "PT_TEST (the pt-test binary) is not set; run through ctest"

PT_MAIL_EML_DIR=$WORK "$PT_TEST" mail_eml > "$WORK/eml.out" 2>&1 \
    || die "pt-test mail_eml failed: $(cat "$WORK/eml.out")"

/usr/bin/python3 - "$WORK" <<'PY'
import sys, email, email.policy, email.utils, datetime, re
from email.parser import BytesParser

work = sys.argv[1]
PLAN = "石家庄市国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要"
HEADERS = ["Date", "From", "To", "Subject", "Message-ID", "MIME-Version",
           "Auto-Submitted", "Content-Type"]
failed = 0

def check(cond, what):
    global failed
    if not cond:
        print("FAIL:", what)
        failed = 1

def parse(name):
    raw = open(f"{work}/{name}", "rb").read()
    for n, line in enumerate(raw.split(b"\r\n")[:-1], 1):
        check(b"\n" not in line and b"\r" not in line, f"{name}: line {n}: bare CR or LF")
        check(len(line) <= 998, f"{name}: line {n}: {len(line)} octets")
    check(raw.endswith(b"\r\n"), f"{name}: does not end in CRLF")
    msg = BytesParser(policy=email.policy.default).parsebytes(raw)
    return raw, msg

def parts(name, msg):
    check(msg.get_content_type() == "multipart/alternative",
          f"{name}: Content-Type {msg.get_content_type()}")
    check(not msg.defects, f"{name}: defects {msg.defects}")
    ps = list(msg.iter_parts())
    check([p.get_content_type() for p in ps] == ["text/plain", "text/html"],
          f"{name}: parts {[p.get_content_type() for p in ps]}")
    for p in ps:
        check(p.get_content_charset() == "utf-8", f"{name}: charset {p.get_content_charset()}")
        check(p["Content-Transfer-Encoding"] == "base64", f"{name}: transfer encoding")
        check(not p.defects, f"{name}: part defects {p.defects}")
    # the preferred part, as a mail reader picks it
    check(msg.get_body(("html", "plain")).get_content_type() == "text/html",
          f"{name}: no HTML body")
    # the bodies are CRLF text (RFC 2046 §4.1.1); read them as lines
    return tuple(p.get_content().replace("\r\n", "\n") for p in ps)

def common(name, raw, msg, bureau_zh, addr, subject):
    check(list(msg.keys()) == HEADERS, f"{name}: headers {list(msg.keys())}")
    check(str(msg["Subject"]) == subject, f"{name}: Subject decodes to {str(msg['Subject'])!r}")
    to = msg["To"].addresses
    check(len(to) == 1 and to[0].display_name == bureau_zh and to[0].addr_spec == addr,
          f"{name}: To {to!r}")
    check(msg["From"].addresses[0].addr_spec == "plantrack@example.org", f"{name}: From")
    check(msg["Date"].datetime == datetime.datetime(2025, 7, 15, 18, 30, tzinfo=datetime.timezone.utc),
          f"{name}: Date {msg['Date']}")
    check(msg["Auto-Submitted"] == "auto-generated", f"{name}: Auto-Submitted")
    check(msg["MIME-Version"] == "1.0", f"{name}: MIME-Version")
    mid = msg["Message-ID"]
    check(re.fullmatch(r"<plantrack\.[a-z0-9_-]+\.[0-9a-f]{32}@example\.org>", mid) is not None,
          f"{name}: Message-ID {mid}")
    for line in raw.split(b"\r\n\r\n")[0].split(b"\r\n"):
        if b"=?" in line:
            check(len(line) <= 76, f"{name}: header line with encoded-words is {len(line)} long")
    for word in re.findall(rb"=\?[^?]+\?[BbQq]\?[^?]*\?=", raw.split(b"\r\n\r\n")[0]):
        check(len(word) <= 75, f"{name}: encoded-word of {len(word)} characters")
    return mid

# The ecology bureau: three binding indicators.
raw, msg = parse("ecology.eml")
subject = f"[plantrack] {PLAN} — 1 项新预警、1 项提醒、1 项已解除 / 1 new alert, 1 reminder, 1 resolved"
mid = common("ecology.eml", raw, msg, "石家庄市生态环境局", "ecology@example.org", subject)
text, html = parts("ecology.eml", msg)
for want in ["实际：58.25（2025年初步值，截至 2025-06-30）；同期规划路径：61.3；差距：-3.05",
             "2025年预测：64.6", "此后每年尚需：-3.5", "实际：52.5（2024年终值）；同期规划路径：51.25；差距：1.25",
             "约束性指标", "（省下达目标）", "运行 #42", "差距：1.1\n", "57.33",
             "Actual: 58.25 (2025, provisional as of 2025-06-30); the path for that period: 61.3; gap: -3.05",
             "(assigned by the province)", "binding indicator", "Source: ecology-daily (run #42)"]:
    check(want in text, f"ecology.eml: text lacks {want!r}")
check(text.index("石家庄市生态环境局：") < text.index("To Shijiazhuang"), "ecology.eml: Chinese first")
check(text.index("17. ") < text.index("18. ") < text.index("20. "), "ecology.eml: order")
check("<td>-3.05</td>" in html and "{&quot;stations&quot;:7" in html, "ecology.eml: HTML values")
print("ecology.eml:", mid)
print("  Subject:", msg["Subject"])
print("  To:", msg["To"])
print("  parts:", [f"{p.get_content_type()}; charset={p.get_content_charset()}" for p in msg.iter_parts()])

# The statistics bureau: no actual, an overdue release.
raw, msg = parse("stats.eml")
common("stats.eml", raw, msg, "石家庄市统计局", "stats@example.org",
       f"[plantrack] {PLAN} — 1 项新预警 / 1 new alert")
text, html = parts("stats.eml", msg)
check("实际：—；同期规划路径：—；差距：—\n   2025年预期：—；" in text, "stats.eml: missing values as —")
check("The release due on 2025-04-20 has not arrived." in text, "stats.eml: overdue")
check(msg["Message-ID"] != mid, "stats.eml: same Message-ID as ecology.eml")
print("stats.eml:", msg["Message-ID"])

# Hostile data: CR/LF and markup in names.
raw, msg = parse("hostile.eml")
check(list(msg.keys()) == HEADERS, f"hostile.eml: headers {list(msg.keys())}")
check(msg["Bcc"] is None, "hostile.eml: a Bcc header appeared")
check(b"\r\nBcc" not in raw.split(b"\r\n\r\n")[0], "hostile.eml: a Bcc line in the header")
to = msg["To"].addresses
check(len(to) == 1 and to[0].addr_spec == "ecology@example.org", f"hostile.eml: To {to!r}")
check(to[0].display_name == "生态环境局 Bcc: z@example.com", f"hostile.eml: display name {to[0].display_name!r}")
text, html = parts("hostile.eml", msg)
check("<script>" not in html, "hostile.eml: <script> reached the HTML")
check("&lt;script&gt;alert(1)&lt;/script&gt;" in html, "hostile.eml: name not escaped in HTML")
check("feed&quot; onmouseover=&quot;x" in html, "hostile.eml: quotes not escaped in HTML")
check("PM2.5 Bcc: x@example.com" in text, "hostile.eml: name not on one line in the text")
check(not any(l.startswith("Bcc") for l in text.splitlines()), "hostile.eml: Bcc line in the text")
check(not re.search(r"[\x00-\x08\x0b-\x1f\x7f\x85]", text), "hostile.eml: control characters in the text")
print("hostile.eml: headers", list(msg.keys()))
print("  To display name:", repr(to[0].display_name))

sys.exit(failed)
PY
echo "ok: the composed messages parse as expected"
