"""SCons build script for the emulated Cortex-M boards and the host build."""
from os.path import join

from SCons.Script import AlwaysBuild, Default, DefaultEnvironment

env = DefaultEnvironment()
board = env.BoardConfig()
is_host = board.get("build.cpu") == "host"

if is_host:
    env.Replace(AR="ar", AS="gcc", CC="gcc", CXX="g++", LINK="gcc", RANLIB="ranlib",
                OBJCOPY="objcopy", SIZETOOL="size", PROGSUFFIX="")
    env.Append(CCFLAGS=["-O2"], LINKFLAGS=[])
else:
    cpu_flags = board.get("build.cpu_flags").split()
    env.Replace(AR="arm-none-eabi-ar", AS="arm-none-eabi-gcc", CC="arm-none-eabi-gcc",
                CXX="arm-none-eabi-g++", LINK="arm-none-eabi-gcc", RANLIB="arm-none-eabi-ranlib",
                OBJCOPY="arm-none-eabi-objcopy", SIZETOOL="arm-none-eabi-size", PROGSUFFIX=".elf")
    env.Append(
        ASFLAGS=cpu_flags + ["-x", "assembler-with-cpp"],
        CCFLAGS=cpu_flags + ["-O2", "-ffunction-sections", "-fdata-sections", "-ffreestanding"],
        LINKFLAGS=cpu_flags + ["-nostartfiles", "-Wl,--gc-sections", "--specs=nano.specs",
                               "--specs=nosys.specs", "-Wl,-Map,${BUILD_DIR}/firmware.map", "-Wl,--cref"],
    )
    env.Replace(SIZEPROGREGEXP=r"^(?:\.text|\.rodata|\.data|\.isr_vector)\s+(\d+).*",
                SIZEDATAREGEXP=r"^(?:\.data|\.bss|\.stack)\s+(\d+).*",
                SIZECHECKCMD="$SIZETOOL -A -d $SOURCES",
                SIZEPRINTCMD="$SIZETOOL -B -d $SOURCES")

env.Append(CCFLAGS=["-Wall", "-Wextra"],
           CFLAGS=["-std=c11"])

program = env.BuildProgram()
size = env.Alias("size", program, env.VerboseAction("$SIZEPRINTCMD", "Firmware size (text=flash code+const, data+bss=RAM)"))
AlwaysBuild(size)

upload_command = env.GetProjectOption("custom_upload_command", "")
upload = env.Alias("upload", program, env.VerboseAction(upload_command or "echo nothing to upload",
                                                        "Starting $BOARD"))
AlwaysBuild(upload)

Default([program, size])
