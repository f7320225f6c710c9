"""Adds the board layer and the generated model to every environment's build.

Kept outside the platform so the same rule serves the offline platform and the official ones."""
import os

Import("env")  # noqa: F821  (SCons injects it)

project_dir = env["PROJECT_DIR"]  # noqa: F821
for index, board_dir in enumerate(env.GetProjectOption("custom_board_dirs").split()):  # noqa: F821
    path = os.path.join(project_dir, board_dir)
    env.Append(CPPPATH=[path], LIBPATH=[path])  # noqa: F821  (LIBPATH lets link.ld INCLUDE shared parts)
    env.BuildSources(os.path.join("$BUILD_DIR", "board%d" % index), path)  # noqa: F821

model_dir = os.environ.get("ECGCC_MODEL_DIR")
if not model_dir:
    raise SystemExit("ECGCC_MODEL_DIR is not set: run `ecgcc compile MODEL --out DIR` and point it at DIR "
                     "(the Makefile does this for you)")
if not os.path.isfile(os.path.join(model_dir, "model.h")):
    raise SystemExit("ECGCC_MODEL_DIR=%s holds no generated model.h" % model_dir)
env.Append(CPPPATH=[model_dir])  # noqa: F821

# Kernels this model calls once per inference on little data are built for size (the compiler lists them in
# report.json: ecgcc/codegen/optimization.py); the hot ones keep the platform's -O2.
report_path = os.path.join(model_dir, "report.json")
size_first = []
if os.path.isfile(report_path):
    import json
    with open(report_path) as handle:
        size_first = json.load(handle).get("kernel_build", {}).get("size_first", [])


def build_for_size(env, node):
    return env.Object(node, CCFLAGS=env["CCFLAGS"] + ["-Os"])


for stem in size_first:
    env.AddBuildMiddleware(build_for_size, "*/kernels/*/%s.c" % stem)  # noqa: F821
env.BuildSources(os.path.join("$BUILD_DIR", "model"), model_dir)  # noqa: F821
