"""ecg_rounding_doubling_high_mul (firmware/kernels/include/ecg_fixedpoint.h) rounds both signs with one shift;
TFLite Micro's gemmlowp statement nudges a negative product differently and truncates. The C check compares the two
on edge values (INT32_MIN, INT32_MAX, +-2^30, the saturating pair) and 4 million seeded pairs of every magnitude."""
import subprocess

from support import CFLAGS, KERNELS

CHECK = KERNELS.parents[1] / "tests" / "compiler" / "rounding_high_mul_check.c"


def test_one_shift_rounding_equals_the_gemmlowp_statement(tmp_path):
    exe = tmp_path / "check"
    subprocess.run(["gcc", *CFLAGS, f"-I{KERNELS / 'include'}", str(CHECK), "-o", str(exe)], check=True,
                   capture_output=True, text=True)
    done = subprocess.run([str(exe)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    assert int(done.stdout.split()[-1]) > 4_000_000
