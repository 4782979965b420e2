#!/bin/sh
# The installed systemd files, checked offline (systemd need not be running):
# systemd-analyze verify finds nothing to say about the units,
# systemd-analyze security rates both services 1.5 or lower,
# systemd-sysusers and systemd-tmpfiles accept their entries and create the
# user and the state folders, the stop timeout outlasts the daemon's
# shutdown grace, and nothing installed needs an executable stack (which
# MemoryDenyWriteExecute=yes would refuse).
set -eu
rm -rf "$WORK"; mkdir -p "$WORK"
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
die() { echo "FAIL: $*" >&2; exit 1; }
if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "SKIP: systemd-analyze is not installed (Debian package systemd)"
    exit 0
fi
BUILD=$(cd "$(dirname "$PLANTRACK")/.." && pwd)
MAX_EXPOSURE=1.5

ROOT=$WORK/root
DESTDIR=$ROOT cmake --install "$BUILD" --prefix /usr > "$WORK/install.out" 2>&1 ||
    die "cmake --install failed: $(tail -5 "$WORK/install.out")"
# The folder the units went to (the test runs wherever PT_SYSTEMD_UNIT_DIR is).
UNITS=$(cd "$ROOT" && find . -name plantrackd.service | sed 's|^\.||; s|/plantrackd.service$||')
[ -n "$UNITS" ] || die "no plantrackd.service installed under $ROOT"
ALL="plantrackd.service plantrack-collect.service plantrack-collect.timer"

# --- systemd-analyze verify, inside the root. The units' dependencies
# (sysinit.target, network-online.target, …) and ExecReload's /bin/kill come
# from the host; their absence would be reported as the units' fault.
HOST_UNITS=
for d in /usr/lib/systemd/system /lib/systemd/system; do
    [ -f "$d/sysinit.target" ] && HOST_UNITS=$d && break
done
if [ -z "$HOST_UNITS" ]; then
    echo "SKIP (verify only): no systemd units on this host to verify against"
else
    for t in "$HOST_UNITS"/*.target; do
        [ -e "$ROOT$UNITS/$(basename "$t")" ] || cp "$t" "$ROOT$UNITS/"
    done
    for prog in $(sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\([^ ]*\).*/\1/p' "$ROOT$UNITS"/plantrack*.service |
                  sort -u); do
        [ -e "$ROOT$prog" ] && continue
        [ -x "$prog" ] || { fail "the units run $prog, which is neither installed nor on the host"; continue; }
        mkdir -p "$ROOT$(dirname "$prog")" && cp "$prog" "$ROOT$prog"
    done
    args=
    for u in $ALL; do args="$args $UNITS/$u"; done
    # Warnings (an unknown key, a bad value) leave the exit status 0: any
    # output at all is a failure.
    if ! (cd "$WORK" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify --root="$ROOT" $args) \
        > "$WORK/verify.out" 2>&1 || [ -s "$WORK/verify.out" ]; then
        fail "systemd-analyze verify:"; sed 's/^/    /' "$WORK/verify.out" >&2
    fi
fi

# --- systemd-analyze security: the overall exposure, 0.0 (best) to 10.0
for u in plantrackd.service plantrack-collect.service; do
    out=$WORK/security-$u.out
    systemd-analyze security --offline=true --no-pager "$ROOT$UNITS/$u" > "$out" 2>&1 || true
    score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9.]*\).*/\1/p' "$out")
    if [ -z "$score" ]; then
        fail "$u: systemd-analyze security printed no exposure level:"; tail -5 "$out" >&2
    elif awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s > m) }'; then
        fail "$u: exposure $score is above $MAX_EXPOSURE; the settings that cost it:"
        grep -E '^(✗|-) ' "$out" >&2 || true # '-' in a non-UTF-8 locale
    else
        echo "$u: exposure $score"
    fi
done

# --- the stop timeout outlasts the daemon's shutdown grace
grace=$(sed -n 's/.*"shutdown_grace": *\([0-9]*\).*/\1/p' "$ROOT/etc/plantrack/plantrack.json")
for u in plantrackd.service plantrack-collect.service; do
    stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s$/\1/p' "$ROOT$UNITS/$u")
    [ -n "$stop" ] && [ "$stop" -gt "${grace:-30}" ] ||
        fail "$u: TimeoutStopSec=${stop:-unset} does not outlast shutdown_grace ${grace:-30} s"
done
grep -q '^DynamicUser=yes' "$ROOT$UNITS/plantrackd.service" &&
    fail "plantrackd.service uses DynamicUser= (traps.md: a static user keeps the store readable)"
grep -q '^SystemCallErrorNumber=EPERM' "$ROOT$UNITS/plantrackd.service" ||
    fail "plantrackd.service lacks SystemCallErrorNumber=EPERM (traps.md: libuv's io_uring)"

# --- sysusers.d and tmpfiles.d, applied to the root
if command -v systemd-sysusers >/dev/null 2>&1; then
    systemd-sysusers --root="$ROOT" > "$WORK/sysusers.out" 2>&1 ||
        fail "systemd-sysusers: $(cat "$WORK/sysusers.out")"
    line=$(grep '^plantrack:' "$ROOT/etc/passwd" || true)
    case $line in
    plantrack:x:*:*:*:/var/lib/plantrack:*) ;;
    *) fail "sysusers made no user plantrack with home /var/lib/plantrack: '$line'" ;;
    esac
    grep -q '^plantrack:' "$ROOT/etc/group" || fail "sysusers made no group plantrack"
    if [ "$(id -u)" -ne 0 ]; then
        echo "SKIP (tmpfiles only): creating folders owned by plantrack needs root"
    elif command -v systemd-tmpfiles >/dev/null 2>&1; then
        systemd-tmpfiles --root="$ROOT" --create > "$WORK/tmpfiles.out" 2>&1 ||
            fail "systemd-tmpfiles: $(cat "$WORK/tmpfiles.out")"
        uid=$(echo "$line" | cut -d: -f3)
        for spec in /var/lib/plantrack:750 /var/lib/plantrack/spool:750 /var/lib/plantrack/drop:2770; do
            d=${spec%:*}
            got=$(stat -c '%a %u' "$ROOT$d" 2>/dev/null || echo missing)
            [ "$got" = "${spec#*:} $uid" ] || fail "$d: mode and owner '$got', expected '${spec#*:} $uid'"
        done
    fi
else
    echo "SKIP (sysusers only): systemd-sysusers is not installed"
fi

# --- MemoryDenyWriteExecute=yes refuses what needs an executable stack
if command -v readelf >/dev/null 2>&1; then
    for f in $(find "$ROOT" -type f \( -name '*.so' -o -perm -u+x \) ! -path "$ROOT/bin/*"); do
        readelf -h "$f" > /dev/null 2>&1 || continue # not ELF
        if readelf -lW "$f" | grep GNU_STACK | grep -q 'RWE'; then
            fail "${f#$ROOT} needs an executable stack: refused under MemoryDenyWriteExecute=yes"
        fi
    done
else
    echo "SKIP (stack check only): readelf is not installed"
fi

[ $FAILED -eq 0 ] && echo "ok: systemd units, sysusers, tmpfiles"
exit $FAILED
