# Thin wrapper around CMake: `make run` and `make test` each work alone on a
# fresh Debian 12 machine. They install missing Debian packages first (only
# when something is missing), configure build/ (and build-asan/ for the
# sanitizer run, build-fuzz/ with clang for the libFuzzer targets), build,
# then run. `make fuzz FUZZ_SECONDS=600` runs each fuzz target that long.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 600
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

# pkg-config module, command or Debian Python module -> the Debian package
# that provides it (py: modules are for the test servers, run by
# /usr/bin/python3, not by whatever python3 is first on PATH).
DEPS = cmd:cc=gcc cmd:cmake=cmake cmd:pkg-config=pkg-config cmd:sqlite3=sqlite3 cmd:python3=python3 \
       cmd:openssl=openssl \
       pc:libuv=libuv1-dev pc:libcurl=libcurl4-openssl-dev pc:jansson=libjansson-dev \
       pc:sqlite3=libsqlite3-dev pc:libsystemd=libsystemd-dev \
       cmd:clang=clang fuzz:libfuzzer=libclang-rt-14-dev py:aiosmtpd=python3-aiosmtpd

# Succeeds when clang links a libFuzzer target (the runtime is not part of
# the clang package).
HAVE_LIBFUZZER = p=$$(mktemp -d) && \
  printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' > $$p/f.c && \
  clang -fsanitize=fuzzer -o $$p/f $$p/f.c >/dev/null 2>&1; r=$$?; rm -rf $$p; [ $$r -eq 0 ]

.PHONY: all deps build build-asan build-fuzz run test fuzz bench clean

all: build

deps:
	@missing=""; \
	for d in $(DEPS); do \
	  what=$${d%%=*}; pkg=$${d#*=}; name=$${what#*:}; \
	  case $$what in \
	    cmd:*) command -v $$name >/dev/null 2>&1 || missing="$$missing $$pkg" ;; \
	    pc:*)  command -v pkg-config >/dev/null 2>&1 && pkg-config --exists $$name \
	             || missing="$$missing $$pkg" ;; \
	    fuzz:*) ( $(HAVE_LIBFUZZER) ) || missing="$$missing $$pkg" ;; \
	    py:*)  /usr/bin/python3 -c "import $$name" >/dev/null 2>&1 || missing="$$missing $$pkg" ;; \
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

# Only the fuzz targets: the rest of the tree is built by gcc in $(BUILD).
build-fuzz: deps
	@if ( $(HAVE_LIBFUZZER) ); then \
	  [ -f $(FUZZ_BUILD)/CMakeCache.txt ] || CC=clang cmake -S . -B $(FUZZ_BUILD) \
	    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPT_FUZZ=ON -DCMAKE_RULE_MESSAGES=OFF >/dev/null && \
	  cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz-targets -- --no-print-directory -s; \
	else echo "plantrack: clang cannot link libFuzzer targets: no fuzz build"; fi

run: build
	@BIN=$(BUILD)/core sh config/demo/run.sh

test: build build-asan build-fuzz
	@env -u http_proxy -u https_proxy -u all_proxy -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY \
	  ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	@env -u http_proxy -u https_proxy -u all_proxy -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)
	@if [ -x $(FUZZ_BUILD)/plugins/airquality/fuzz/fuzz_cnemc ] && ( $(HAVE_LIBFUZZER) ); then \
	  ctest --test-dir $(FUZZ_BUILD) -R '^fuzz\.' --output-on-failure -j $(JOBS) --timeout 300; fi

# Each fuzz target for FUZZ_SECONDS, two at a time; prints their run counts.
fuzz: build-fuzz
	@[ -x $(FUZZ_BUILD)/plugins/airquality/fuzz/fuzz_cnemc ] \
	  || { echo "plantrack: no fuzz build (needs clang and libFuzzer)"; exit 1; }
	@PT_FUZZ_SECONDS=$(FUZZ_SECONDS) ctest --test-dir $(FUZZ_BUILD) -R '^fuzz\.' -V -j 2 \
	  --timeout $$(( $(FUZZ_SECONDS) + 300 ))

bench: build
	@cmake --build $(BUILD) --target bench-observations bench-ceiling bench-air-replay -- --no-print-directory -s
	@$(BUILD)/bench/bench-observations
	@BUILD=$(BUILD) BENCH_TIMEOUT=300 bench/air 50 2,7

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
