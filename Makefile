# Everything users run goes through here. `make demo` and `make test` set up what is missing first.
BOARD ?= qemu-m4
PORT ?=
MODEL ?=
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
APT_PACKAGES := gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm chromium clang
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PORT_ARG := $(if $(PORT),--port $(PORT),)
MODEL_ARG := $(if $(MODEL),--model $(MODEL),)
# `make hil COUNT=40` runs a short check; HIL_DIR is where its reports go.
COUNT ?=
COUNT_ARG := $(if $(COUNT),--count $(COUNT),)
HIL_DIR ?= .build

.PHONY: setup system-packages demo build flash hil library stream test test-slow bench mutation fuzz fuzz-models fuzz-firmware ec57 ec57-device ec57-noise-device two-lead two-lead-monitor false-v clean

setup: system-packages $(STAMP)

system-packages:
	@missing=""; \
	command -v arm-none-eabi-gcc >/dev/null || missing="$$missing gcc-arm-none-eabi"; \
	[ -e /usr/lib/arm-none-eabi/newlib/libc.a ] || [ -e /usr/lib/arm-none-eabi/lib/libc.a ] || missing="$$missing libnewlib-arm-none-eabi"; \
	command -v qemu-system-arm >/dev/null || missing="$$missing qemu-system-arm"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v gcc >/dev/null || missing="$$missing gcc"; \
	command -v clang >/dev/null || missing="$$missing clang"; \
	ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1 || missing="$$missing libclang-rt-14-dev"; \
	$(PYTHON) -c "import venv, ensurepip" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi

# PyTorch's CPU build (a few hundred MB) rather than the default Linux wheel with its CUDA libraries: first from
# the sources pip already knows (a local wheel folder or mirror), then from PyTorch's CPU index, else PyPI's default.
TORCH_CPU := torch==2.13.0+cpu
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu
ONNX_NO_DEPS := onnx2tf==1.29.24 tf-keras==2.21.0

$(STAMP): pyproject.toml
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q '$(TORCH_CPU)' 2>/dev/null \
	  || $(BIN)/pip install -q '$(TORCH_CPU)' --extra-index-url $(TORCH_CPU_INDEX) || $(BIN)/pip install -q 'torch>=2.6'
	$(BIN)/pip install -q -e '.[onnx,torch]'
	$(BIN)/pip install -q --no-deps $(ONNX_NO_DEPS)
	touch $(STAMP)

demo: setup
	$(BIN)/ecgcc demo --board $(BOARD) $(PORT_ARG)

build: setup
	$(BIN)/ecgcc build --board $(BOARD) $(MODEL_ARG)

flash: setup
	$(BIN)/ecgcc flash --board $(BOARD) $(MODEL_ARG) $(PORT_ARG)

hil: setup
	$(BIN)/ecgcc hil --board $(BOARD) $(MODEL_ARG) $(PORT_ARG) $(COUNT_ARG) --json $(HIL_DIR)/hil-$(BOARD).json --pdf $(HIL_DIR)/hil-$(BOARD).pdf

# A compiled model as a library folder for your own firmware (docs/export.md):
#   make library BOARD=boards/parts/nrf52840.toml MODEL=build/m LIBRARY=build/ecg-model
LIBRARY ?= .build/library
library: setup
	@[ -n "$(MODEL)" ] || { echo "give MODEL=<folder from ecgcc compile>"; exit 2; }
	$(BIN)/ecgcc export --board $(BOARD) --model $(MODEL) --out $(LIBRARY)

# The 22 DS2 records through the monitor, spread over JOBS boards (emulated unless PORT names them).
JOBS ?= 2
stream: setup
	$(BIN)/ecgcc stream --board $(BOARD) $(PORT_ARG) $(MODEL_ARG) --jobs $(JOBS) --json .build/stream-$(BOARD).json

test: setup
	$(BIN)/python -m pytest -q --durations=15

test-slow: setup
	$(BIN)/python -m pytest -q -m slow

# libFuzzer (ASan + UBSan) over the firmware's frame decoding and command dispatch; make test runs it for 30 s
FUZZ_SECONDS ?= 600
fuzz-firmware: setup
	$(BIN)/python -m ecgcc.harness.firmware_fuzz --seconds $(FUZZ_SECONDS)

# Side by side with TensorFlow Lite Micro built from $(TFLM_DIR) (default ../shared/tflm; its libraries are built
# once into .build/tflm), then every model measured alone, TFLM's example models included.
bench: setup
	$(BIN)/ecgcc bench --against tflm --json .build/bench-tflm.json
	$(BIN)/ecgcc bench --json .build/bench.json

# Mutation testing of the comparison and scoring code: every mutant of it must be caught by the tests.
mutation: setup
	$(BIN)/pip install -q 'mutmut>=3.3'
	$(BIN)/python tests/mutation/run_mutation.py

# Corrupted models through the compiler (each refused, or exact with TFLite Micro), then coverage-guided
# atheris fuzzing of the frontend and validator. Figures: .build/fuzz-models.json and the atheris summary.
FUZZ_SEED ?= 1
FUZZ_DAMAGED ?= 1500
fuzz-models: setup
	$(BIN)/python -c "import atheris" 2>/dev/null || $(BIN)/pip install -q -e ".[fuzz]"
	nice $(BIN)/python tests/compiler/model_fuzz.py --seed $(FUZZ_SEED) --damaged $(FUZZ_DAMAGED) \
	  --json .build/fuzz-models.json
	mkdir -p .build/fuzz-corpus
	nice $(BIN)/python tests/compiler/atheris_frontend.py .build/fuzz-corpus -max_total_time=$(FUZZ_SECONDS) \
	  -timeout=10 -rss_limit_mb=4096 -max_len=65536 -artifact_prefix=.build/fuzz-

# Both fuzzers: corrupted and coverage-guided models through the compiler, then frames into the firmware.
fuzz: fuzz-models fuzz-firmware

# EC57 figures of the monitor's twin on MIT-BIH, Creighton and the noise stress test, each checked against
# WFDB's own scorers; ec57-device streams EC57_RECORDS through BOARD and checks every event against the twin.
EC57_DATA ?= ../shared/data
EC57_RECORDS ?= 100,201,207
ec57: setup
	for db in mitdb cudb nstdb; do \
	  $(BIN)/ecgcc ec57 --twin --board host --data $(EC57_DATA)/$$db --check-wfdb --json .build/ec57/$$db-twin.json || exit 1; \
	done

ec57-device: setup
	$(BIN)/ecgcc ec57 --board $(BOARD) $(PORT_ARG) --data $(EC57_DATA)/mitdb --records $(EC57_RECORDS) --check-wfdb \
	  --json .build/ec57/mitdb-$(BOARD).json

# The noise stress test on BOARD with both leads (issue 15's 12 and 6 dB targets), every event against the twin.
ec57-noise-device: setup
	$(BIN)/ecgcc ec57 --board $(BOARD) $(PORT_ARG) --data $(EC57_DATA)/nstdb --records 118e06,119e06,118e12,119e12 \
	  --leads 2 --json .build/ec57/nstdb-$(BOARD).json

# The second-lead decision (lead_agreement, twin) against the primary lead alone on the noise stress test, each
# SNR pooled on its own as docs/alarms.md reports it.
two-lead: setup
	mkdir -p .build/two-lead
	for snr in 12 06; do \
	  $(BIN)/python -m ecgcc.evaluation.two_lead --data $(EC57_DATA)/nstdb --records 118e$$snr,119e$$snr \
	    --json .build/two-lead/nstdb-$$snr.json || exit 1; \
	done

# The whole twin monitor running both leads on the noise stress records, scored as ecgcc ec57 --twin scores
two-lead-monitor: setup
	mkdir -p .build/two-lead
	nice $(BIN)/python -m ecgcc.evaluation.two_lead --data $(EC57_DATA)/nstdb --records 118e06,119e06,118e12,119e12 \
	  --monitor --json .build/two-lead/monitor-nstdb.json

# Where the model's false V calls come from (svdb-train and DS1) and the replay of the chosen V-call setting
# against the model's own classes (docs/false-v-calls.md); about 8 minutes.
false-v: setup
	$(BIN)/python -m ecgcc.evaluation.v_call_inputs --data $(EC57_DATA)/svdb-train \
	  --records $$(ls $(EC57_DATA)/svdb-train/*.hea | xargs -n1 basename | sed 's/\.hea$$//' | paste -sd,) .build/vcall/svdb
	$(BIN)/python -m ecgcc.evaluation.v_call_inputs --data $(EC57_DATA)/mitdb --records \
	  101,106,108,109,112,114,115,116,118,119,122,124,201,203,205,207,208,209,215,220,223,230 .build/vcall/mitdb
	$(BIN)/python -m ecgcc.evaluation.v_call_diagnosis .build/vcall/mitdb .build/vcall/svdb
	$(BIN)/python -m ecgcc.evaluation.v_call_tuning .build/vcall/mitdb .build/vcall/svdb

clean:
	rm -rf .build
