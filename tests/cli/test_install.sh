#!/bin/sh
# cmake --install into a scratch root (DESTDIR): every file lands where the
# FHS and systemd look for it, the units and the example configuration name
# the paths of the prefix given at install time (not the configured one), the
# units' ExecStart binaries were installed, plantrackd accepts the installed
# configuration, and a second install keeps an administrator's configuration.
set -eu
rm -rf "$WORK"; mkdir -p "$WORK"
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
die() { echo "FAIL: $*" >&2; exit 1; }
BUILD=$(cd "$(dirname "$PLANTRACK")/.." && pwd)
[ -f "$BUILD/CMakeCache.txt" ] || die "$BUILD is not a CMake build folder"
command -v cmake >/dev/null 2>&1 || die "cmake is not on PATH"

# cache NAME [DEFAULT]: a variable of the build's CMake cache (GNUInstallDirs
# leaves DATADIR and DOCDIR empty there when they follow DATAROOTDIR).
cache() {
    v=$(sed -n "s/^$1:[A-Z]*=//p" "$BUILD/CMakeCache.txt")
    echo "${v:-${2:-}}"
}
# under PREFIX DIR: an install folder as GNUInstallDirs makes it absolute.
under() {
    case $2 in
    /*) echo "$2" ;;
    etc | etc/* | var | var/*)
        case $1 in /usr) echo "/$2" ;; /opt/*) echo "/$2$1" ;; *) echo "$1/$2" ;; esac ;;
    *) echo "$1/$2" ;;
    esac
}
# install PREFIX ROOT: cmake --install with DESTDIR; output in ROOT.out.
install_to() {
    DESTDIR=$2 cmake --install "$BUILD" --prefix "$1" > "$2.out" 2>&1 ||
        die "cmake --install --prefix $1 failed: $(tail -5 "$2.out")"
}
# exec_start UNIT: the program ExecStart= runs, and its --config argument.
exec_start() { sed -n 's/^ExecStart=[-@:+!]*//p' "$1" | head -1; }

ROOT=$WORK/root
install_to /usr "$ROOT"
P=/usr
BINDIR=$(under $P "$(cache CMAKE_INSTALL_BINDIR)")
SBINDIR=$(under $P "$(cache CMAKE_INSTALL_SBINDIR)")
LIBDIR=$(under $P "$(cache CMAKE_INSTALL_LIBDIR)")
DATADIR=$(under $P "$(cache CMAKE_INSTALL_DATADIR share)")
DOCDIR=$(under $P "$(cache CMAKE_INSTALL_DOCDIR share/doc/plantrack)")
INCDIR=$(under $P "$(cache CMAKE_INSTALL_INCLUDEDIR)")
CONFDIR=$(under $P "$(cache CMAKE_INSTALL_SYSCONFDIR)")/plantrack
UNITDIR=$(under $P "$(cache PT_SYSTEMD_UNIT_DIR)")
SYSUSERSDIR=$(under $P "$(cache PT_SYSUSERS_DIR)")
TMPFILESDIR=$(under $P "$(cache PT_TMPFILES_DIR)")
PLUGINDIR=$LIBDIR/plantrack/plugins
[ "$CONFDIR" = /etc/plantrack ] || fail "prefix /usr puts the configuration in $CONFDIR, not /etc/plantrack"

# --- every expected file
expect="$BINDIR/plantrack $SBINDIR/plantrackd
$UNITDIR/plantrackd.service $UNITDIR/plantrack-collect.service $UNITDIR/plantrack-collect.timer
$SYSUSERSDIR/plantrack.conf $TMPFILESDIR/plantrack.conf
$CONFDIR/plantrack.json $INCDIR/plantrack/plugin.h
$DOCDIR/README.md $DOCDIR/systemd.md $DOCDIR/plantrack.json.example"
for f in "$SRC"/config/indicators/*.json; do
    expect="$expect $DATADIR/plantrack/indicators/$(basename "$f")"
done
nplugins=0
for f in "$BUILD"/plugins/*.so; do
    [ -e "$f" ] || continue
    expect="$expect $PLUGINDIR/$(basename "$f")"
    nplugins=$((nplugins + 1))
done
[ "$nplugins" -gt 0 ] || fail "no plugin in $BUILD/plugins: is the build complete?"
for f in $expect; do
    [ -f "$ROOT$f" ] || fail "not installed: $f"
done
for f in "$BINDIR/plantrack" "$SBINDIR/plantrackd"; do
    [ -x "$ROOT$f" ] || fail "not executable: $f"
done
if grep -l '@[A-Z_]*@' "$ROOT$UNITDIR"/plantrack* "$ROOT$CONFDIR/plantrack.json" 2>/dev/null; then
    fail "placeholders left in the files above"
fi
if grep -rl "$BUILD\|$SRC" "$ROOT$UNITDIR" "$ROOT$CONFDIR" 2>/dev/null; then
    fail "the files above name the build or source tree"
fi

# --- the units run installed binaries with the installed configuration
for u in plantrackd.service plantrack-collect.service; do
    line=$(exec_start "$ROOT$UNITDIR/$u")
    prog=${line%% *}
    conf=$(echo "$line" | sed -n 's/.*--config \([^ ]*\).*/\1/p')
    [ -x "$ROOT$prog" ] || fail "$u: ExecStart runs $prog, which is not installed"
    [ "$conf" = "$CONFDIR/plantrack.json" ] || fail "$u: --config is '$conf', not $CONFDIR/plantrack.json"
done
grep -q '^ExecStart=.* --once ' "$ROOT$UNITDIR/plantrack-collect.service" ||
    fail "plantrack-collect.service does not run plantrackd --once"

# --- the installed configuration, its absolute paths moved into the root
grep -q "\"$PLUGINDIR\"" "$ROOT$CONFDIR/plantrack.json" ||
    fail "plantrack.json does not name the installed plugin folder $PLUGINDIR"
grep -q "\"$DATADIR/plantrack/indicators/" "$ROOT$CONFDIR/plantrack.json" ||
    fail "plantrack.json does not name the installed catalogue folder"
mkdir -p "$ROOT/var/lib/plantrack/drop" "$ROOT/var/lib/plantrack/spool"
sed "s|\"/|\"$ROOT/|g" "$ROOT$CONFDIR/plantrack.json" > "$WORK/check.json"
if "$ROOT$SBINDIR/plantrackd" --check-config --config "$WORK/check.json" > "$WORK/check.out" 2>&1; then
    grep -q " $nplugins plugins, " "$WORK/check.out" ||
        fail "--check-config did not load the $nplugins installed plugins: $(cat "$WORK/check.out")"
else
    fail "plantrackd --check-config refuses the installed configuration: $(cat "$WORK/check.out")"
fi

# --- a second install keeps the administrator's configuration
sed 's/"level": "info"/"level": "debug"/' "$ROOT$CONFDIR/plantrack.json" > "$WORK/edited.json"
cp "$WORK/edited.json" "$ROOT$CONFDIR/plantrack.json"
install_to /usr "$ROOT"
cmp -s "$WORK/edited.json" "$ROOT$CONFDIR/plantrack.json" ||
    fail "a second install overwrote $CONFDIR/plantrack.json"
grep -q "Keeping: .*plantrack.json" "$ROOT.out" || fail "a second install does not say it kept the configuration"

# --- another prefix: the paths follow the prefix given at install time
ROOT2=$WORK/local
install_to /usr/local "$ROOT2"
U2=$(under /usr/local "$(cache PT_SYSTEMD_UNIT_DIR)")/plantrackd.service
SB2=$(under /usr/local "$(cache CMAKE_INSTALL_SBINDIR)")
C2=$(under /usr/local "$(cache CMAKE_INSTALL_SYSCONFDIR)")/plantrack/plantrack.json
want="$SB2/plantrackd --config $C2"
got=$(exec_start "$ROOT2$U2")
[ "$got" = "$want" ] || fail "prefix /usr/local: ExecStart is '$got', expected '$want'"
[ -x "$ROOT2$SB2/plantrackd" ] && [ -f "$ROOT2$C2" ] ||
    fail "prefix /usr/local: $SB2/plantrackd or $C2 not installed"

[ $FAILED -eq 0 ] && echo "ok: install ($nplugins plugins, units in $UNITDIR)"
exit $FAILED
