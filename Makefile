# Everything users run goes through here. `make demo` and `make test` set up what is missing first.
BOARD ?= qemu-m4
PORT ?=
MODEL ?=
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
APT_PACKAGES := gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PORT_ARG := $(if $(PORT),--port $(PORT),)
MODEL_ARG := $(if $(MODEL),--model $(MODEL),)

.PHONY: setup system-packages demo build flash hil stream test test-slow bench clean

setup: system-packages $(STAMP)

system-packages:
	@missing=""; \
	command -v arm-none-eabi-gcc >/dev/null || missing="$$missing gcc-arm-none-eabi"; \
	[ -e /usr/lib/arm-none-eabi/newlib/libc.a ] || [ -e /usr/lib/arm-none-eabi/lib/libc.a ] || missing="$$missing libnewlib-arm-none-eabi"; \
	command -v qemu-system-arm >/dev/null || missing="$$missing qemu-system-arm"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v gcc >/dev/null || missing="$$missing gcc"; \
	$(PYTHON) -c "import venv, ensurepip" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi

$(STAMP): pyproject.toml
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $(STAMP)

demo: setup
	$(BIN)/ecgcc demo --board $(BOARD) $(PORT_ARG)

build: setup
	$(BIN)/ecgcc build --board $(BOARD) $(MODEL_ARG)

flash: setup
	$(BIN)/ecgcc flash --board $(BOARD) $(MODEL_ARG) $(PORT_ARG)

hil: setup
	$(BIN)/ecgcc hil --board $(BOARD) $(MODEL_ARG) $(PORT_ARG) --json .build/hil-$(BOARD).json

# The 22 DS2 records through the monitor, spread over JOBS boards (emulated unless PORT names them).
JOBS ?= 2
stream: setup
	$(BIN)/ecgcc stream --board $(BOARD) $(PORT_ARG) $(MODEL_ARG) --jobs $(JOBS) --json .build/stream-$(BOARD).json

test: setup
	$(BIN)/python -m pytest -q --durations=15

test-slow: setup
	$(BIN)/python -m pytest -q -m slow

bench: setup
	$(BIN)/ecgcc bench --json .build/bench.json

clean:
	rm -rf .build
