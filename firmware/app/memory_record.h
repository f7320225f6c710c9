/* PLAY_MEMORY: a whole record that already sits in the board's memory, through the monitor at full speed.
 *
 * An emulated board has RAM the firmware never links into (BOARD_RECORD_MEMORY_BASE/_BYTES in
 * board_config.h); the host places the record there as int16le samples when it starts the emulator,
 * so no sample crosses the serial link, which would otherwise be the limit.
 * Request:  count:u32 [leads:u8]            (samples from the start of the region; leads 1 when left out)
 *           With two leads the region holds `count` pairs (primary, second) of int16le, interleaved, and the
 *           monitor restarts with its second-lead agreement (capability bit 5).
 * While playing: MONITOR_EVENTS frames carrying the request's sequence number
 *           (sample index:u32 count:u16 event[count]), the flush at the end included.
 * Reply:    count:u32 crc:u16 counters      (crc: CRC-16/CCITT-FALSE of the 2*leads*count bytes read, in the
 *           order played, so the host proves the device played exactly the samples it placed)
 * Refused with BAD_ARGUMENT, naming the problem, when the request has another length, leads is not 1 or 2,
 * count is 0 or the samples would run past the region. */
#ifndef ECGCC_MEMORY_RECORD_H
#define ECGCC_MEMORY_RECORD_H
#include "app_features.h"
#include "board_config.h"
#include "protocol.h"

#if defined(ECGCC_WITH_MONITOR) && defined(BOARD_RECORD_MEMORY_BASE)
#define MEMORY_RECORD_AVAILABLE 1
#endif

#define COMMAND_PLAY_MEMORY 0x09

int memory_record_handle(const protocol_request_t *request);
#endif
