# tarmac — build, test, install. `make` builds ./tarmac; `make check` runs every test;
# `make SANITIZE=1 check` runs them under ASan+UBSan; `make fuzz` builds the fuzz targets.
# Quiet rules; V=1 shows the commands.

PKG_CONFIG ?= pkg-config
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
DATADIR    ?= $(PREFIX)/share/tarmac
DESTDIR    ?=
CC         ?= cc
FUZZ_CC    ?= clang
PYTHON     ?= python3
VERSION    := 0.1.0

PKGS      := ncursesw libcurl libcrypto json-c yaml-0.1 expat libmicrohttpd
TEST_PKGS := cmocka

ifeq ($(V),1)
Q :=
else
Q := @
endif

# pkg-config is asked only when a target needs to compile (not for `make clean`).
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   = $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral -Wvla
DEFS     := -D_GNU_SOURCE -DTARMAC_VERSION='"$(VERSION)"' -DTARMAC_DATADIR='"$(DATADIR)"'
INCLUDES := -I. -Ibackend -Icli -Itui -Ipanes -Isim
OPT      ?= -O2 -g
CFLAGS_ALL = -std=c17 $(OPT) $(WARN) $(DEFS) $(INCLUDES) $(PKG_CFLAGS) $(CFLAGS)

# BUILD=DIR on the command line keeps a build of its own (binary included), e.g.
# `make CC=clang BUILD=build/clang check` beside the default gcc build.
ifeq ($(SANITIZE),1)
BUILD   := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT     := -O1 -g
else
BUILD   := build/rel
SANFLAGS :=
endif
BIN     := $(if $(filter build/rel,$(BUILD)),tarmac,$(BUILD)/tarmac)

MAIN_SRC := cli/main.c
LIB_SRC  := $(filter-out $(MAIN_SRC),$(sort $(wildcard backend/*.c backend/*/*.c backend/kinds/*/*.c cli/*.c tui/*.c panes/*.c sim/*.c)))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(MAIN_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libtarmac.a
# Files compiled into the binary (default theme, scenarios): see scripts/embed.sh.
EMBED_SRC := $(sort $(wildcard themes/*.yaml sim/scenarios/*.yaml))
EMBED_C   := $(BUILD)/gen/embedded.c
EMBED_OBJ := $(BUILD)/gen/embedded.o

UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_HELP := $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_HELP_OBJ := $(UNIT_HELP:%.c=$(BUILD)/%.o)

FUZZ_SRC  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN  := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)

.PHONY: all check unit deps fuzz install uninstall clean demo distclean format format-check

all: $(BIN)

$(BIN): $(MAIN_OBJ) $(LIB) $(EMBED_OBJ)
	@echo "  LINK    $@"
	$(Q)$(CC) $(SANFLAGS) -o $@ $(MAIN_OBJ) $(EMBED_OBJ) $(LIB) $(PKG_LIBS) $(LDFLAGS) -lm

$(LIB): $(LIB_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS_ALL) $(SANFLAGS) -MMD -MP -c -o $@ $<

$(EMBED_C): scripts/embed.sh $(EMBED_SRC)
	@mkdir -p $(dir $@)
	@echo "  EMBED   $@"
	$(Q)sh scripts/embed.sh $(EMBED_SRC) > $@.tmp && mv $@.tmp $@

$(EMBED_OBJ): $(EMBED_C)
	$(Q)$(CC) $(CFLAGS_ALL) $(SANFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB) $(EMBED_OBJ) $(UNIT_HELP_OBJ)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) $(SANFLAGS) -MMD -MP -o $@ $< $(UNIT_HELP_OBJ) $(EMBED_OBJ) $(LIB) $(TEST_LIBS) $(PKG_LIBS) $(LDFLAGS) -lm

$(UNIT_HELP_OBJ): CFLAGS_ALL += $(TEST_CFLAGS)

deps:
	@sh scripts/deps.sh

# `make check`: install what is missing, build, run every test; ends with "N passed, N failed, N skipped".
check: deps
	$(Q)$(MAKE) --no-print-directory all unit
	$(Q)TARMAC_BIN=$(abspath $(BIN)) TARMAC_BUILD=$(abspath $(BUILD)) sh tests/run.sh

unit: $(UNIT_BIN)

# libFuzzer targets, built with clang, ASan and UBSan. Run: build/fuzz/fuzz_xml -max_total_time=60
fuzz: deps $(FUZZ_BIN)

# The library is compiled once for every target (fuzzer-no-link: coverage without
# libFuzzer's main), then each target links it.
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_FLAGS := -std=c17 -g -O1 $(FUZZ_SAN) $(DEFS) $(INCLUDES) $(PKG_CFLAGS) -Wall -Wextra -Werror \
              -Wno-unused-command-line-argument
FUZZ_OBJ   := $(LIB_SRC:%.c=build/fuzz/obj/%.o) build/fuzz/obj/embedded.o
FUZZ_LIB   := build/fuzz/libtarmac-fuzz.a

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

build/fuzz/obj/embedded.o: $(EMBED_C)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) $(PKG_LIBS) -lm

# The C sources follow .clang-format; `make format` rewrites them, `make format-check`
# lists the files that drift (CI runs it).
FORMAT_SRC = $(shell git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build/*')
format:
	$(Q)clang-format -i $(FORMAT_SRC)
format-check: deps
	$(Q)bad=0; for f in $(FORMAT_SRC); do clang-format "$$f" | cmp -s - "$$f" || { echo "format: $$f differs from .clang-format (make format)"; bad=1; }; done; exit $$bad

demo: deps all
	$(Q)./tarmac --demo

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DATADIR)/themes
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/tarmac
	for f in man/*.1; do [ -e "$$f" ] && install -m 0644 "$$f" $(DESTDIR)$(MANDIR)/man1/ || true; done
	for f in man/*.5; do [ -e "$$f" ] && install -m 0644 "$$f" $(DESTDIR)$(MANDIR)/man5/ || true; done
	for f in themes/*.yaml; do [ -e "$$f" ] && install -m 0644 "$$f" $(DESTDIR)$(DATADIR)/themes/ || true; done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tarmac $(DESTDIR)$(MANDIR)/man1/tarmac*.1 $(DESTDIR)$(MANDIR)/man5/tarmac*.5
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build tarmac

-include $(shell find build -name '*.d' 2>/dev/null)
