"""The linker-map reading behind the bench's runtime flash: every flash byte goes to one object, long section
names split over two lines are read, discarded and RAM-only sections are not counted."""
from __future__ import annotations

import pytest

from ecgcc import bench_tflm
from ecgcc.image_map import FILL, cross_references, flash_by_object, pio_harness_object, split_flash

MAP = """\
Discarded input sections

 .text.unused   0x00000000       0x80 build/src/kernels/reference/softmax.o

Memory Configuration

Linker script and memory map

.isr_vector     0x00000000       0xc0
 *(.isr_vector)
 .isr_vector    0x00000000       0xc0 build/board2/startup.o
                0x00000000                vector_table

.text           0x000000c0      0x1d4
 *(.text*)
 .text.board_init
                0x000000c0       0x20 build/board1/board.o
                0x000000c0                board_init
 .text.protocol_receive_byte
                0x000000e0       0x40 build/src/app/protocol.o
 .text.ecg_conv_2d
                0x00000120      0x100 build/src/kernels/dsp/conv_2d.o
 *fill*         0x00000220        0x4 
 .text          0x00000224       0x40 /usr/lib/libc_nano.a(lib_a-memcpy.o)
 .text          0x00000264       0x10 /usr/lib/libgcc.a(_aeabi_uldivmod.o)
 .text          0x00000274       0x20 /usr/lib/libgcc.a(_udivmoddi4.o)

.rodata         0x00000294       0x30
 .rodata.model_weights
                0x00000264       0x20 build/model/model_weights.o
 .rodata.rr     0x00000284       0x10 build/src/monitor/rhythm.o

.data           0x20000000        0x8 load address 0x00000294
 .data.state    0x20000000        0x8 build/model/model.o

.bss            0x20000008      0x400 load address 0x0000029c
 .bss.model_arena
                0x20000008      0x400 build/model/model.o

Cross Reference Table

Symbol                                            File
__aeabi_uldivmod                                  /usr/lib/libgcc.a(_aeabi_uldivmod.o)
                                                  build/board1/board.o
                                                  build/src/kernels/dsp/average_pool_2d.o
__udivmoddi4                                      /usr/lib/libgcc.a(_udivmoddi4.o)
                                                  /usr/lib/libgcc.a(_aeabi_uldivmod.o)
memcpy                                            /usr/lib/libc_nano.a(lib_a-memcpy.o)
                                                  build/src/app/protocol.o
                                                  build/src/kernels/dsp/conv_2d.o
strlen                                            /usr/lib/libc_nano.a(lib_a-strlen.o)
                                                  build/src/app/protocol.o
                                                  build/src/kernels/dsp/conv_2d.o
"""


def test_each_flash_byte_is_its_objects():
    by_object = flash_by_object(MAP)
    assert by_object == {"build/board2/startup.o": 0xc0, "build/board1/board.o": 0x20,
                         "build/src/app/protocol.o": 0x40, "build/src/kernels/dsp/conv_2d.o": 0x100,
                         FILL: 4, "/usr/lib/libc_nano.a(lib_a-memcpy.o)": 0x40,
                         "/usr/lib/libgcc.a(_aeabi_uldivmod.o)": 0x10, "/usr/lib/libgcc.a(_udivmoddi4.o)": 0x20,
                         "build/model/model_weights.o": 0x20, "build/src/monitor/rhythm.o": 0x10,
                         "build/model/model.o": 8}
    assert sum(by_object.values()) == 0xc0 + 0x1d4 + 0x30 + 0x8   # the output sections' sizes: nothing missed


def test_the_harness_is_the_protocol_board_and_monitor_objects_and_what_only_they_pull_in():
    by_object = flash_by_object(MAP)
    # the 64-bit division only the board layer calls (the average pool that also refers to it is not in the
    # image), and the helper that division calls, are the harness's; memcpy, which a kernel calls too, is not
    harness, rest = split_flash(by_object, pio_harness_object, cross_references(MAP))
    assert harness == 0xc0 + 0x20 + 0x40 + 0x10 + 0x10 + 0x20
    assert rest == 0x100 + 4 + 0x40 + 0x20 + 8
    # without a cross reference table every library member counts as runtime
    assert split_flash(by_object, pio_harness_object) == (0xc0 + 0x20 + 0x40 + 0x10, rest + 0x30)


def test_the_cross_reference_table_is_read_symbol_by_symbol():
    table = cross_references(MAP)
    assert table["__udivmoddi4"] == ["/usr/lib/libgcc.a(_udivmoddi4.o)", "/usr/lib/libgcc.a(_aeabi_uldivmod.o)"]
    assert table["memcpy"][1:] == ["build/src/app/protocol.o", "build/src/kernels/dsp/conv_2d.o"]
    assert cross_references("Linker script and memory map\n") == {}


def test_the_bench_subtracts_weights_and_harness(tmp_path):
    path = tmp_path / "firmware.map"
    path.write_text(MAP)
    flash = bench_tflm.split_image_flash("ecgcc", 0xc0 + 0x1d4 + 0x30 + 0x8, 0x20, path, pio_harness_object)
    assert flash == dict(flash_code=0x100 + 4 + 0x40 + 8, flash_weights=0x20, flash_harness=0x160,
                         flash_image_code=0xc0 + 0x1d4 + 0x30 + 0x8 - 0x20)


def test_a_map_that_misses_flash_bytes_is_refused(tmp_path):
    path = tmp_path / "firmware.map"
    path.write_text(MAP)
    with pytest.raises(RuntimeError, match="the ELF"):
        bench_tflm.split_image_flash("ecgcc", 0xc0 + 0x1d4 + 0x30 + 0x8 + 4, 0x20, path, pio_harness_object)
    with pytest.raises(ValueError):
        flash_by_object("not a map")
