# Thin wrapper around CMake: `make run` and `make test` each work alone on a
# fresh Debian 12 machine. They install missing Debian packages first (only
# when something is missing), configure build/ (and build-asan/ for the
# sanitizer run), build, then run.

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

# pkg-config module or command -> Debian package that provides it.
DEPS = cmd:cc=gcc cmd:cmake=cmake cmd:pkg-config=pkg-config cmd:sqlite3=sqlite3 cmd:python3=python3 \
       cmd:openssl=openssl \
       pc:libuv=libuv1-dev pc:libcurl=libcurl4-openssl-dev pc:jansson=libjansson-dev \
       pc:sqlite3=libsqlite3-dev pc:libsystemd=libsystemd-dev

.PHONY: all deps build build-asan run test bench clean

all: build

deps:
	@missing=""; \
	for d in $(DEPS); do \
	  what=$${d%%=*}; pkg=$${d#*=}; name=$${what#*:}; \
	  case $$what in \
	    cmd:*) command -v $$name >/dev/null 2>&1 || missing="$$missing $$pkg" ;; \
	    pc:*)  command -v pkg-config >/dev/null 2>&1 && pkg-config --exists $$name \
	             || missing="$$missing $$pkg" ;; \
	  esac; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "plantrack: installing missing Debian packages:$$missing"; \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
	  apt="$$sudo env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=120"; \
	  $$apt update >/dev/null || echo "plantrack: apt-get update reported errors; trying the install anyway"; \
	  $$apt install --no-install-recommends$$missing || exit 1; \
	fi

$(BUILD)/CMakeCache.txt: | deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_RULE_MESSAGES=OFF >/dev/null

$(ASAN_BUILD)/CMakeCache.txt: | deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPT_SANITIZE=ON -DCMAKE_RULE_MESSAGES=OFF >/dev/null

build: deps $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory -s

build-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	@cmake --build $(ASAN_BUILD) -j $(JOBS) -- --no-print-directory -s

run: build
	@BIN=$(BUILD)/core sh config/demo/run.sh

test: build build-asan
	@env -u http_proxy -u https_proxy -u all_proxy -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY \
	  ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	@env -u http_proxy -u https_proxy -u all_proxy -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

bench: build
	@cmake --build $(BUILD) --target bench-observations -- --no-print-directory -s
	@$(BUILD)/bench/bench-observations

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
