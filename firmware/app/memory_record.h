/* PLAY_MEMORY: a whole record that already sits in the board's memory, through the monitor at full speed.
 *
 * An emulated board has RAM the firmware never links into (BOARD_RECORD_MEMORY_BASE/_BYTES in
 * board_config.h); the host places the record there as int16le samples when it starts the emulator,
 * so no sample crosses the serial link, which would otherwise be the limit.
 * Request:  count:u32                       (samples from the start of the region)
 * While playing: MONITOR_EVENTS frames carrying the request's sequence number
 *           (sample index:u32 count:u16 event[count]), the flush at the end included.
 * Reply:    count:u32 crc:u16 counters      (crc: CRC-16/CCITT-FALSE of the 2*count bytes read, so the
 *           host proves the device played exactly the samples it placed)
 * Refused with BAD_ARGUMENT when count is 0 or larger than the region. */
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
